import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const packageDir = resolve(__dirname, '..');

/** Loads the BUILT package from a foreign folder, the way a user's `require` does. */
describe('the built package', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'stellar-instrumented-'));
    mkdirSync(join(dir, 'node_modules', '@app'), { recursive: true });
    symlinkSync(packageDir, join(dir, 'node_modules', '@app', 'stellar-instrumented'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exposes its API through require and puts types first in exports', () => {
    const script = `
      const pkg = require('@app/stellar-instrumented');
      const manifest = require('@app/stellar-instrumented/package.json');
      console.log(JSON.stringify({
        exports: Object.keys(pkg).sort(),
        conditions: Object.keys(manifest.exports['.']),
        types: require.resolve('@app/stellar-instrumented').replace(/\\.js$/, '.d.ts'),
      }));
    `;
    const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: dir, encoding: 'utf8' }));
    expect(out.exports).toEqual(
      expect.arrayContaining([
        'createStellarClient',
        'transactionIdentity',
        'decodeResult',
        'ERROR_CODES',
        'StellarInstrumentedError',
        'SPAN_SUBMIT',
        'REASONS',
      ]),
    );
    expect(out.conditions[0]).toBe('types');
    expect(require('node:fs').existsSync(out.types)).toBe(true);
  });

  it('does not load prom-client when no registry is given (it is an optional peer)', () => {
    const script = `
      const { rpc } = require('@stellar/stellar-sdk');
      const { createStellarClient } = require('@app/stellar-instrumented');
      createStellarClient({ server: new rpc.Server('http://127.0.0.1:1', { allowHttp: true }) });
      console.log(JSON.stringify(Object.keys(require.cache).some((f) => f.includes('prom-client'))));
    `;
    // Resolve the SDK from this package's own node_modules, as a user's app would have it.
    const out = execFileSync(process.execPath, ['-e', script], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, NODE_PATH: join(packageDir, 'node_modules') },
    });
    expect(JSON.parse(out)).toBe(false);
  });
});
