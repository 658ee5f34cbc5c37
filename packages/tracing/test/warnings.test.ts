import { spawnSync } from 'node:child_process';
import { PACKAGE_DIR, startService } from './support/child';

function run(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, args, {
    cwd: PACKAGE_DIR,
    env: { ...process.env, NODE_OPTIONS: '', ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
}

describe('failing loudly', () => {
  it('warns, naming each instrumented module loaded before the SDK started, and lists instrumentations in debug', () => {
    const result = run(['test/fixtures/early-load.cjs']);
    expect(result.status).toBe(0);
    expect(result.stderr).toContain("WARNING: 'pg' was loaded before tracing started");
    expect(result.stderr).toContain("WARNING: 'ioredis' was loaded before tracing started");
    expect(result.stderr).not.toContain("'fastify' was loaded");
    for (const name of ['http', 'undici', 'fastify', 'pg', 'ioredis', 'pino']) {
      expect(result.stderr).toMatch(new RegExp(`instrumentation ${name}: \\S+@\\d+\\.\\d+\\.\\d+`));
    }
    expect(result.stderr).toContain('exporter=none');
    expect(JSON.parse(result.stdout.trim())).toEqual({
      instrumentations: ['http', 'undici', 'fastify', 'pg', 'ioredis', 'pino'],
    });
  });

  it('lists only the instrumentations left on by OTEL_NODE_DISABLED_INSTRUMENTATIONS', () => {
    const result = run(['test/fixtures/early-load.cjs'], { OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'pg,ioredis' });
    expect(result.stderr).not.toContain('WARNING');
    expect(result.stderr).toContain('instrumentations off: pg, ioredis');
    expect(JSON.parse(result.stdout.trim()).instrumentations).toEqual(['http', 'undici', 'fastify', 'pino']);
  });

  it('reports a bad OTEL_* value through the preload and keeps the service running untraced', async () => {
    const service = await startService(
      'test/fixtures/service.cjs',
      { FIXTURE_QUIET: '1', OTEL_TRACES_EXPORTER: 'zipkin' },
      ['--import', '@app/tracing/register'],
    );
    try {
      expect(service.stderr()).toContain(
        'tracing NOT started (TRACING_ERR_INVALID_OPTION: OTEL_TRACES_EXPORTER="zipkin"',
      );
      expect((await fetch(`${service.url}/ping`)).status).toBe(200);
    } finally {
      await service.stop();
    }
  });

  it('never prints exporter headers or endpoint credentials', () => {
    const result = run(['-e', "require('@app/tracing').startTracing({ debug: true }).shutdown()"], {
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://user:hunter2@collector.invalid:4318/v1/traces?token=abc',
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20sekret',
    });
    expect(result.stderr).toContain('otlp http/protobuf -> http://collector.invalid:4318/v1/traces');
    expect(result.stderr).not.toMatch(/hunter2|sekret|token=abc/);
  });
});

describe('query strings on outgoing and incoming HTTP spans', () => {
  it.each([['fastify'], ['http']])('keep their keys and lose every value (serverSpans %s)', (serverSpans) => {
    const result = run(['test/fixtures/query-redaction.cjs'], { APP_TRACING_SERVER_SPANS: serverSpans });
    expect(result.status).toBe(0);
    expect(result.stdout).not.toContain('SECRET');
    const spans = JSON.parse(result.stdout.trim()) as Array<{
      scope: string;
      kind: number;
      attributes: Record<string, string>;
    }>;
    const clients = spans.filter((s) => s.kind === 2);
    expect(clients.map((s) => s.scope).sort()).toEqual([
      '@opentelemetry/instrumentation-http',
      '@opentelemetry/instrumentation-undici',
    ]);
    for (const client of clients) {
      expect(client.attributes['url.full']).toMatch(/\/rates\?asset=REDACTED&token=REDACTED(#frag)?$/);
    }
    if (serverSpans === 'http') {
      const server = spans.find((s) => s.kind === 1);
      expect(server?.attributes['url.query']).toBe('asset=REDACTED&token=REDACTED');
    }
  });
});
