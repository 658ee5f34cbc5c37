import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_DIR } from './support/child';

// Imports the BUILT package the way a user does: from a folder whose
// node_modules/@app/tracing is a link to this package.
describe('the built @app/tracing package', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tracing-exports-'));
    mkdirSync(join(dir, 'node_modules', '@app'), { recursive: true });
    symlinkSync(PACKAGE_DIR, join(dir, 'node_modules', '@app', 'tracing'), 'dir');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function node(args: string[]) {
    return spawnSync(process.execPath, args, {
      cwd: dir,
      env: { ...process.env, NODE_OPTIONS: '', OTEL_TRACES_EXPORTER: 'none' },
      encoding: 'utf8',
    });
  }

  it('exports the public API by name from CommonJS and from ESM', () => {
    const expected = [
      'DROP_REASON_EXPORT_FAILED',
      'DROP_REASON_QUEUE_FULL',
      'ERROR_CODES',
      'LABEL_DROP_REASON',
      'LOG_FIELD_SPAN_ID',
      'LOG_FIELD_TRACE_FLAGS',
      'LOG_FIELD_TRACE_ID',
      'METRIC_SPANS_DROPPED',
      'TracingError',
      'currentTraceIds',
      'droppedSpanSamples',
      'fastifyOtelPlugin',
      'flushTracing',
      'getTracingStats',
      'resolveConfig',
      'shutdownTracing',
      'startTracing',
      'withSpan',
    ];
    const cjs = node(['-e', "console.log(JSON.stringify(Object.keys(require('@app/tracing')).sort()))"]);
    expect(cjs.stderr).toBe('');
    expect(JSON.parse(cjs.stdout)).toEqual(expected);
    const esm = node([
      '--input-type=module',
      '-e',
      "import * as t from '@app/tracing'; console.log(JSON.stringify(Object.keys(t).filter((k) => !['default', 'module.exports', '__esModule'].includes(k)).sort()))",
    ]);
    expect(JSON.parse(esm.stdout)).toEqual(expected);
  });

  it('resolves ./register for --require and --import and starts tracing from both', () => {
    const probe = "console.log(JSON.stringify(require('@app/tracing').getTracingStats().queueCapacity))";
    expect(node(['--require', '@app/tracing/register', '-e', probe]).stdout.trim()).toBe('2048');
    expect(node(['--import', '@app/tracing/register', '-e', probe]).stdout.trim()).toBe('2048');
  });

  it('puts types first in every export condition and ships the declaration files', () => {
    type Target = string | { [condition: string]: Target };
    const pkg = JSON.parse(readFileSync(join(PACKAGE_DIR, 'package.json'), 'utf8')) as {
      exports: Record<string, Target>;
    };
    const check = (subpath: string, target: Target): void => {
      if (typeof target === 'string') {
        expect([subpath, existsSync(join(PACKAGE_DIR, target))]).toEqual([subpath, true]);
        return;
      }
      if ('types' in target) expect([subpath, Object.keys(target)[0]]).toEqual([subpath, 'types']);
      for (const value of Object.values(target)) check(subpath, value);
    };
    for (const [subpath, target] of Object.entries(pkg.exports)) check(subpath, target);
    // ./register: an ES module for `import` with ES types, CommonJS for the rest with CommonJS types.
    expect(pkg.exports['./register']).toEqual({
      import: { types: './dist/register.d.mts', default: './dist/register.mjs' },
      default: { types: './dist/register.d.ts', default: './dist/register.js' },
    });
  });
});
