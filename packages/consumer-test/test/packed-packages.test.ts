import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  check,
  lastJson,
  manifest,
  npmCli,
  PUBLIC,
  type Ran,
  ROOT,
  readmeSnippets,
  run,
  runAsync,
  TSC,
  toCjs,
  toEsm,
} from './consumer';

// One consumer project in a temp dir: the packed tarballs and their peers installed once with plain npm and
// --strict-peer-deps (npm's cache makes repeated runs fast); four variants share that node_modules.
const VARIANTS = {
  cjs: { type: 'commonjs', ext: 'cjs' },
  esm: { type: 'module', ext: 'mjs' },
  'ts-nodenext': { type: 'module', ext: 'ts', tsconfig: { module: 'nodenext', moduleResolution: 'nodenext' } },
  'ts-bundler': { type: 'module', ext: 'ts', tsconfig: { module: 'preserve', moduleResolution: 'bundler' } },
} as const;
type Variant = keyof typeof VARIANTS;
const EXAMPLES = ['entries', 'metrics', 'audit', 'tracing', 'stellar'] as const;
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

let dir: string;
let tarballs: Record<string, string>;

function node(variant: Variant, file: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<Ran> {
  return runAsync(process.execPath, [...args, file], { cwd: join(dir, variant), env: { NODE_OPTIONS: '', ...env } });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'app-consumer-'));
  const packs = join(dir, 'tarballs');
  mkdirSync(packs);
  tarballs = {};
  for (const pkg of PUBLIC) {
    // pnpm pack turns workspace:* into the version, as a publish does.
    check('pnpm', ['pack', '--pack-destination', packs], { cwd: join(ROOT, 'packages', pkg) });
    const { name, version } = manifest(pkg);
    tarballs[name] = `file:tarballs/${name.replace('@', '').replace('/', '-')}-${version}.tgz`;
  }
  const dependencies = {
    ...tarballs,
    // The peers a user installs next to them (README "peer dependencies").
    '@opentelemetry/api': '~1.9.0',
    '@stellar/stellar-sdk': '^17.2.0',
    fastify: '^5.0.0',
    pg: '^8.23.1',
    'prom-client': '^15.1.3',
    // What the README snippets use besides the packages.
    pino: '^10.0.0',
    express: '^5.0.0',
    '@types/express': '^5.0.0',
    '@types/node': '^24.0.0',
    '@types/pg': '^8.23.1',
  };
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, dependencies }, null, 2));
  check(
    process.execPath,
    [...npmCli(), 'install', '--strict-peer-deps', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'],
    { cwd: dir },
  );
  for (const [variant, { type, ext, ...rest }] of Object.entries(VARIANTS)) {
    const where = join(dir, variant);
    mkdirSync(join(where, 'readme'), { recursive: true });
    writeFileSync(join(where, 'package.json'), JSON.stringify({ type }));
    for (const example of EXAMPLES) {
      const source = readFileSync(join(__dirname, '..', 'fixtures', `${example}.ts`), 'utf8');
      const code = ext === 'cjs' ? toCjs(source) : ext === 'mjs' ? toEsm(source) : source;
      writeFileSync(join(where, `${example}.${ext}`), code);
    }
    if ('tsconfig' in rest) {
      const compilerOptions = {
        ...rest.tsconfig,
        target: 'es2022',
        strict: true,
        noEmit: true,
        esModuleInterop: true,
        skipLibCheck: false,
        types: ['node'],
        allowImportingTsExtensions: true,
      };
      writeFileSync(
        join(where, 'tsconfig.json'),
        JSON.stringify({ compilerOptions, include: ['*.ts', 'readme/*.ts'] }),
      );
      for (const pkg of PUBLIC) {
        const readme = readFileSync(join(ROOT, 'packages', pkg, 'README.md'), 'utf8');
        for (const snippet of readmeSnippets(readme)) {
          writeFileSync(join(where, 'readme', `${pkg}-L${snippet.line}.ts`), snippet.code);
        }
      }
    }
  }
});

afterAll(() => {
  // CONSUMER_KEEP=1 keeps the consumer project to look into (its path is printed).
  if (process.env.CONSUMER_KEEP) process.stdout.write(`consumer project kept in ${dir}\n`);
  else if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the packed packages, installed by a team outside this repository', () => {
  it('install with npm --strict-peer-deps into a valid tree with one @opentelemetry/api', () => {
    expect(Object.keys(tarballs).sort()).toEqual(PUBLIC.map((pkg) => manifest(pkg).name).sort());
    const ls = run(process.execPath, [...npmCli(), 'ls', '--all', '--json'], { cwd: dir });
    expect(ls.stderr).toBe('');
    expect(ls.status).toBe(0);
    const apis = new Set(
      [...ls.stdout.matchAll(/"@opentelemetry\/api": \{\s*"version": "([^"]+)"/g)].map((match) => match[1]),
    );
    expect([...apis]).toEqual([expect.stringMatching(/^1\.9\./)]);
  });

  it.each(['ts-nodenext', 'ts-bundler'] as const)(
    'type-check the examples and every README snippet under TypeScript %s',
    (variant) => {
      const files = readdirSync(join(dir, variant, 'readme'));
      expect(files.length).toBeGreaterThanOrEqual(PUBLIC.length);
      const tsc = run(process.execPath, [TSC, '-p', '.'], { cwd: join(dir, variant) });
      expect(tsc.stdout + tsc.stderr).toBe('');
      expect(tsc.status).toBe(0);
    },
  );

  describe.each(Object.keys(VARIANTS) as Variant[])('from %s', (variant) => {
    const file = (example: string) => `${example}.${VARIANTS[variant].ext}`;

    it('imports every documented entry point', async () => {
      expect(lastJson(await node(variant, file('entries')))).toEqual({
        createMetrics: 'function',
        getOrCreateCounter: 'function',
        metricsPlugin: 'function',
        samePlugin: true,
        createHttpMetricsMiddleware: 'function',
        createAuditWriter: 'function',
        traceIdField: 'trace.id',
        startTracing: 'function',
        withSpan: 'function',
        createStellarClient: 'function',
        startSandbox: 'function',
      });
    });

    it('serves /metrics through the Fastify plugin', async () => {
      expect(lastJson(await node(variant, file('metrics')))).toEqual({ quiz: 200, scrape: 200, recorded: true });
    });

    it('writes an audit event to a real PostgreSQL schema', async () => {
      const schema = `consumer_${variant.replace('-', '_')}_${randomBytes(3).toString('hex')}`;
      const ran = await node(variant, file('audit'), [], { DATABASE_URL, AUDIT_SCHEMA: schema });
      expect(lastJson(ran)).toEqual({
        events: ['consumer_checked', 'authn_login_fail'],
        sameId: true,
        refused: 'AUDIT_ERR_UNKNOWN_EVENT',
      });
    });

    it('exports one span through the tracing preload to a local OTLP receiver', async () => {
      const bodies: string[] = [];
      const receiver: Server = createServer((request, response) => {
        let body = '';
        request.on('data', (chunk) => {
          body += chunk;
        });
        request.on('end', () => {
          if (request.url === '/v1/traces') bodies.push(body);
          response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        });
      });
      await new Promise<void>((listening) => receiver.listen(0, '127.0.0.1', listening));
      try {
        const { port } = receiver.address() as AddressInfo;
        const preload = variant === 'cjs' ? '--require' : '--import';
        const ran = await node(variant, file('tracing'), [preload, '@app/tracing/register'], {
          OTEL_SERVICE_NAME: `consumer-${variant}`,
          OTEL_TRACES_EXPORTER: 'otlp',
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
          OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
        });
        const { traceId } = lastJson(ran);
        expect(traceId).toMatch(/^[0-9a-f]{32}$/);
        expect(ran.status).toBe(0);
        const spans = bodies.flatMap(
          (body) =>
            JSON.parse(body).resourceSpans?.flatMap((resource: { scopeSpans: { spans: unknown[] }[] }) =>
              resource.scopeSpans.flatMap((scope) => scope.spans),
            ) ?? [],
        ) as { name: string; traceId: string }[];
        expect(spans).toEqual([expect.objectContaining({ name: 'consumer.check', traceId })]);
      } finally {
        await new Promise((closed) => receiver.close(closed));
      }
    });

    it('submits an instrumented payment against the sandbox', async () => {
      expect(lastJson(await node(variant, file('stellar')))).toEqual({
        status: 'success',
        balance: '10010.0000000',
        counted: true,
      });
    });
  });
});
