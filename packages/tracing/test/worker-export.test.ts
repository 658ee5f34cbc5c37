import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_DIR, type RunningService, startService } from './support/child';
import { type ReceivedSpan, startOtlpReceiver } from './support/otlp-receiver';

const SCRIPT = 'test/fixtures/span-shapes.cjs';

interface Run {
  code: number | null;
  elapsedMs: number;
  stderr: string;
  result: { exporterModulesOnMainThread: number; before: { queued: number } } | undefined;
}

function run(env: Record<string, string>): Promise<Run> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', '@app/tracing/register', SCRIPT], {
    cwd: PACKAGE_DIR,
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      OTEL_SERVICE_NAME: 'span-shapes',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=test,service.version=9.9.9',
      // Only the shutdown flush can send them.
      OTEL_BSP_SCHEDULE_DELAY: '60000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve) => {
    child.once('exit', (code) => {
      const line = stdout.split('\n').find((l) => l.startsWith('{'));
      resolve({ code, elapsedMs: performance.now() - started, stderr, result: line ? JSON.parse(line) : undefined });
    });
  });
}

const T0_NANOS = 1767225600n * 1_000_000_000n;

/** The two spans with ids replaced by their role, so runs can be compared. */
function normalised(spans: ReceivedSpan[]) {
  const ids = new Map<string, string>();
  for (const s of spans) ids.set(s.spanId, s.name);
  return [...spans]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((s) => ({
      ...s,
      spanId: s.name,
      parentSpanId: s.parentSpanId && (ids.get(s.parentSpanId) ?? s.parentSpanId),
    }));
}

describe.each(['http/json', 'http/protobuf'] as const)('spans exported from the worker thread as %s', (protocol) => {
  let spans: ReceivedSpan[];
  let outcome: Run;
  let contentTypes: string[];

  beforeAll(async () => {
    const receiver = await startOtlpReceiver();
    try {
      outcome = await run({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: protocol });
      spans = [...receiver.spans];
      contentTypes = [...receiver.contentTypes];
    } finally {
      await receiver.close();
    }
  });

  it('arrive through the shutdown flush, encoded as asked, and the app thread never loads the exporter', () => {
    expect(outcome.code).toBe(0);
    expect(contentTypes).toEqual([protocol === 'http/json' ? 'application/json' : 'application/x-protobuf']);
    expect(outcome.result?.exporterModulesOnMainThread).toBe(0);
    expect(spans.map((s) => s.name).sort()).toEqual(['claim.settle', 'ledger.lookup']);
  });

  it('arrive complete: resource, scope, kinds, parent, trace state, attributes, event, link, status, times', () => {
    const parent = spans.find((s) => s.name === 'claim.settle')!;
    const child = spans.find((s) => s.name === 'ledger.lookup')!;
    expect(parent.resource).toMatchObject({
      'service.name': 'span-shapes',
      'service.version': '9.9.9',
      'deployment.environment.name': 'test',
      'telemetry.sdk.language': 'nodejs',
      'telemetry.sdk.name': 'opentelemetry',
    });
    expect(child.resource).toEqual(parent.resource);
    for (const s of spans) {
      expect(s.scope).toBe('app.span-shapes');
      expect(s.scopeVersion).toBe('1.2.3');
      expect(s.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
      expect(s.traceState).toBe('vendor=abc,other=1');
    }
    expect(parent).toMatchObject({
      kind: 1,
      parentSpanId: 'b7ad6b7169203331',
      // Sampled (0x01), parent known to be remote (0x100 | 0x200).
      flags: 0x301,
      startTimeUnixNano: String(T0_NANOS),
      endTimeUnixNano: String(T0_NANOS + 1_000_000_000n),
      attributes: { 'app.claim.id': 'c-42' },
      status: { code: 1, message: undefined },
    });
    expect(child).toEqual({
      ...child,
      kind: 2,
      parentSpanId: parent.spanId,
      flags: 0x101,
      startTimeUnixNano: String(T0_NANOS + 1000n),
      endTimeUnixNano: String(T0_NANOS + 9000n),
      attributes: {
        'stellar.ledger.sequence': 123456,
        'app.ratio': 0.25,
        'app.retried': true,
        'app.cached': false,
        'app.tags': ['payout', 'testnet'],
        'app.sizes': [1, 2, 3],
      },
      events: [
        {
          name: 'envelope.resubmitted',
          timeUnixNano: String(T0_NANOS + 5000n),
          attributes: { 'stellar.tx.sequence': 7, 'app.reason': 'tx_too_late' },
        },
      ],
      links: [
        {
          traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
          spanId: '00f067aa0ba902b7',
          traceState: undefined,
          attributes: { 'app.link.reason': 'retry of an expired envelope' },
        },
      ],
      status: { code: 2, message: 'ledger not found' },
      droppedAttributesCount: 0,
      droppedEventsCount: 0,
      droppedLinksCount: 0,
    });
    expect(child.spanId).toMatch(/^[0-9a-f]{16}$/);
  });

  it('arrive exactly as the SDK exports them from the app thread (APP_TRACING_EXPORT_THREAD=main)', async () => {
    const receiver = await startOtlpReceiver();
    try {
      const onMain = await run({
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
        APP_TRACING_EXPORT_THREAD: 'main',
      });
      expect(onMain.code).toBe(0);
      expect(onMain.result?.exporterModulesOnMainThread).toBeGreaterThan(0);
      expect(normalised(receiver.spans)).toEqual(normalised(spans));
    } finally {
      await receiver.close();
    }
  });
});

describe('collector down at shutdown', () => {
  let hanging: Server | undefined;
  afterAll(() => {
    hanging?.closeAllConnections();
    hanging?.close();
  });

  it('a collector that never answers holds shutdown no longer than its bound; the spans are counted as dropped', async () => {
    hanging = createServer(() => {
      // Accepts the export and never answers.
    });
    await new Promise<void>((resolve) => hanging!.listen(0, '127.0.0.1', resolve));
    const outcome = await run({
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/v1/traces`,
      OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '60000',
      OTEL_BSP_EXPORT_TIMEOUT: '60000',
      SHUTDOWN_MS: '1000',
    });
    expect(outcome.code).toBe(0);
    // The export would wait 60 s; shutdown gives up after 1 s (plus start-up on a loaded machine).
    expect(outcome.elapsedMs).toBeLessThan(15_000);
    expect(outcome.stderr).toContain('[@app/tracing] span flush did not finish within 1000 ms; continuing');
    expect(outcome.stderr).toMatch(/dropped 2 span\(s\) \(total 2: queue full 0, export failed 2\)/);
  });

  it('a refused collector: shutdown returns, the spans are counted as dropped', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const outcome = await run({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `http://127.0.0.1:${port}/v1/traces` });
    expect(outcome.code).toBe(0);
    expect(outcome.stderr).toMatch(/dropped 2 span\(s\) \(total 2: queue full 0, export failed 2\)/);
  });
});

describe('collector down, then back', () => {
  let service: RunningService | undefined;
  afterAll(async () => {
    await service?.stop();
  });

  /** Waits until `check` holds, polling; fails with the last value after `ms`. */
  async function until<T>(read: () => Promise<T>, check: (value: T) => boolean, ms = 20_000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const value = await read();
      if (check(value)) return value;
      if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms: ${JSON.stringify(value)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it('the running service counts the failed exports, keeps serving, and exports again once the collector is up', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    service = await startService(
      'test/fixtures/service.cjs',
      {
        FIXTURE_QUIET: '1',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `http://127.0.0.1:${port}/v1/traces`,
        OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '500',
        OTEL_BSP_SCHEDULE_DELAY: '100',
      },
      ['--import', '@app/tracing/register'],
    );
    const stats = async () =>
      ((await (await fetch(`${service!.url}/__stats`)).json()) as { stats: { exported: number; dropped: number } })
        .stats;
    for (let i = 0; i < 20; i++) expect((await fetch(`${service.url}/ping`)).status).toBe(200);
    const down = await until(stats, (s) => s.dropped >= 20);
    expect(down.exported).toBe(0);

    const receiver = await startOtlpReceiver(port);
    try {
      for (let i = 0; i < 10; i++) expect((await fetch(`${service.url}/ping`)).status).toBe(200);
      await until(
        async () => receiver.spans.filter((s) => s.name === 'GET /ping').length,
        (n) => n >= 10,
      );
      const up = await until(stats, (s) => s.exported >= 10);
      // What was dropped while the collector was down stays dropped; nothing is counted twice.
      expect(up.exported + up.dropped).toBeGreaterThanOrEqual(30);
      expect(service.stderr()).toMatch(/dropped \d+ span\(s\)/);
    } finally {
      await receiver.close();
    }
  });
});

describe('the export worker dies while the service runs', () => {
  let service: RunningService | undefined;
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>> | undefined;
  afterAll(async () => {
    await service?.stop();
    await receiver?.close();
  });

  it('requests keep their answers, later spans are counted as dropped, one error line, and the service still closes', async () => {
    receiver = await startOtlpReceiver();
    service = await startService(
      'test/fixtures/service.cjs',
      {
        FIXTURE_QUIET: '1',
        FIXTURE_KILLABLE_WORKER: '1',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.url,
        OTEL_BSP_SCHEDULE_DELAY: '100',
      },
      ['--import', '@app/tracing/register'],
    );
    const s = service;
    const stats = async () =>
      ((await (await fetch(`${s.url}/__stats`)).json()) as { stats: { exported: number; dropped: number } }).stats;
    for (let i = 0; i < 10; i++) expect((await fetch(`${s.url}/ping`)).status).toBe(200);
    const r = receiver;
    await waitUntil(async () => r.spans.filter((span) => span.name === 'GET /ping').length >= 10);
    // The receiver holds the spans before the worker has its answer and reports the count.
    await waitUntil(async () => (await stats()).exported >= 10);

    expect(((await (await fetch(`${s.url}/__kill-export-worker`)).json()) as { exitCode: number }).exitCode).toBe(1);
    for (let i = 0; i < 20; i++) expect((await fetch(`${s.url}/ping`)).status).toBe(200);
    await waitUntil(async () => (await stats()).dropped >= 20);
    const after = await stats();
    expect(after.exported).toBeGreaterThanOrEqual(10);
    expect(r.spans.filter((span) => span.name === 'GET /ping')).toHaveLength(10);
    const errors = s.stderr().match(/ERROR: the span export worker exited with code 1; spans are dropped from now on/g);
    expect(errors).toHaveLength(1);
    expect(await s.stop('SIGTERM')).toBe(0);
    service = undefined;
  });
});

/** Polls `check` until it holds; fails after `ms`. */
async function waitUntil(check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('an app bundled without dist/export-worker.js', () => {
  it('exports on the main thread and says so on stderr', async () => {
    // The built package copied without the worker file, its dependencies reachable as in an app.
    const app = mkdtempSync(join(tmpdir(), 'tracing-no-worker-'));
    const receiver = await startOtlpReceiver();
    try {
      cpSync(join(PACKAGE_DIR, 'dist'), join(app, 'dist'), { recursive: true });
      rmSync(join(app, 'dist', 'export-worker.js'));
      symlinkSync(join(PACKAGE_DIR, 'node_modules'), join(app, 'node_modules'));
      const script = [
        "const t = require('./dist/index.js');",
        `t.startTracing({ otlpEndpoint: ${JSON.stringify(receiver.url)}, instrumentations: [] });`,
        "t.withSpan('job.run', {}, () => 1);",
        't.shutdownTracing();',
      ].join('\n');
      const child = spawn(process.execPath, ['-e', script], { cwd: app, env: { ...process.env, NODE_OPTIONS: '' } });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const code = await new Promise((resolve) => child.once('exit', resolve));
      expect(code).toBe(0);
      expect(stderr).toContain(
        '[@app/tracing] WARNING: dist/export-worker.js not found next to @app/tracing; exporting spans on the main thread',
      );
      expect(receiver.spans.map((s) => s.name)).toEqual(['job.run']);
    } finally {
      await receiver.close();
      rmSync(app, { recursive: true, force: true });
    }
  });
});
