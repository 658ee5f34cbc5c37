import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const packageDir = resolve(__dirname, '..');
const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));

describe('the built package', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'metrics-consumer-'));
    mkdirSync(join(dir, 'node_modules', '@app'), { recursive: true });
    symlinkSync(packageDir, join(dir, 'node_modules', '@app', 'metrics'), 'dir');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists types first in every exports condition, and every target exists in dist', () => {
    const check = (target: Record<string, unknown>): void => {
      expect(Object.keys(target)[0]).toMatch(/^(types|import)$/);
      for (const value of Object.values(target)) {
        if (typeof value === 'string') expect(() => readFileSync(join(packageDir, value))).not.toThrow();
        else check(value as Record<string, unknown>);
      }
      if ('types' in target) expect(Object.keys(target)[0]).toBe('types');
    };
    for (const [subpath, target] of Object.entries<Record<string, unknown> | string>(manifest.exports)) {
      if (subpath !== './package.json') check(target as Record<string, unknown>);
    }
    expect(Object.keys(manifest.exports)).toEqual(['.', './fastify', './node-http', './package.json']);
  });

  it('is required by name, with its subpaths, the way a user would', () => {
    const script = `
      const m = require('@app/metrics');
      const fastify = require('@app/metrics/fastify');
      const nodeHttp = require('@app/metrics/node-http');
      let blocked = false;
      try { require('@app/metrics/dist/format.js'); } catch (e) { blocked = e.code === 'ERR_PACKAGE_PATH_NOT_EXPORTED'; }
      const metrics = m.createMetrics();
      metrics.recordHttpRequest('GET', '/quizzes/:quizId', 200, 0.01);
      metrics.registry.metrics().then((text) => console.log(JSON.stringify({
        main: Object.keys(m).sort(),
        fastify: [typeof fastify.default, typeof fastify.metricsPlugin, fastify.default === fastify.metricsPlugin],
        nodeHttp: typeof nodeHttp.createHttpMetricsMiddleware,
        blocked,
        idempotent: m.createMetrics({ registry: metrics.registry }) === metrics,
        recorded: text.includes('http_requests_total{method="GET",route="/quizzes/:quizId",status_code="200"} 1'),
      })));
    `;
    const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: dir, encoding: 'utf8' }));
    expect(out.main).toEqual(
      expect.arrayContaining([
        'createMetrics',
        'createMetricsHandler',
        'getOrCreateCounter',
        'getOrCreateGauge',
        'getOrCreateHistogram',
        'registerCounterSource',
        'observePgPool',
        'observeRedisClient',
        'timeAsync',
        'METRIC_NAMES',
        'MetricsError',
      ]),
    );
    expect(out).toMatchObject({
      fastify: ['function', 'function', true],
      nodeHttp: 'function',
      blocked: true,
      idempotent: true,
      recorded: true,
    });
  });

  it('imports the plugin as a true default export from an ES module', () => {
    writeFileSync(
      join(dir, 'esm.mjs'),
      `import metricsPlugin, { metricsPlugin as named } from '@app/metrics/fastify';
       console.log(JSON.stringify([typeof metricsPlugin, metricsPlugin === named]));`,
    );
    expect(JSON.parse(execFileSync(process.execPath, [join(dir, 'esm.mjs')], { cwd: dir, encoding: 'utf8' }))).toEqual([
      'function',
      true,
    ]);
  });

  it('type-checks a TypeScript consumer through the exports map (nodenext)', () => {
    writeFileSync(
      join(dir, 'consumer.ts'),
      `import { createMetrics, type AppMetrics, METRIC_NAMES } from '@app/metrics';
       import metricsPlugin, { type MetricsPluginOptions } from '@app/metrics/fastify';
       import { createHttpMetricsMiddleware } from '@app/metrics/node-http';
       const metrics: AppMetrics = createMetrics({ prefix: 'learn_' });
       const options: MetricsPluginOptions = { metrics, excludeRoutes: ['/health'] };
       const middleware = createHttpMetricsMiddleware(metrics, { routeOf: () => '/x' });
       metrics.stellarTransactionsTotal.inc({ method: 'payment', status: 'success' });
       export const used = [metricsPlugin, options, middleware, METRIC_NAMES.httpRequestsTotal];
      `,
    );
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: [],
        },
        files: ['consumer.ts'],
      }),
    );
    const tsc = join(packageDir, '..', '..', 'node_modules', 'typescript', 'bin', 'tsc');
    expect(() => execFileSync(process.execPath, [tsc, '-p', dir], { cwd: dir, encoding: 'utf8' })).not.toThrow();
  });
});
