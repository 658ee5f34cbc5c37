import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PKG = join(__dirname, '..');

describe('the built package, imported the way a user does', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'audit-pkg-'));
    mkdirSync(join(dir, 'node_modules', '@app'), { recursive: true });
    symlinkSync(PKG, join(dir, 'node_modules', '@app', 'audit'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exports the public API from the root and ./log-fields, types first', () => {
    const script = `
      const a = require('@app/audit');
      const f = require('@app/audit/log-fields');
      const pkg = require('@app/audit/package.json');
      console.log(JSON.stringify({
        root: ['migrateAuditSchema','createAuditWriter','securityEvents','AUDIT_EVENTS','verifyAuditChain','sealAuditChain',
               'startAuditSealer','getAuditStats','auditCounterSources','LOG_FIELDS','logFields','traceLogFields','AuditError',
               'registeredEventNames','EVENT_NAME_PATTERN']
               .filter((k) => a[k] === undefined),
        fields: f.LOG_FIELDS.TRACE_ID,
        typesFirst: Object.keys(pkg.exports).filter((k) => k !== './package.json').every((k) => Object.keys(pkg.exports[k])[0] === 'types'),
        migrations: require('node:fs').readdirSync(a.MIGRATIONS_DIR),
        bin: pkg.bin['app-audit'],
      }));`;
    const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: dir, encoding: 'utf8' }));
    expect(out).toEqual({
      root: [],
      fields: 'trace.id',
      typesFirst: true,
      migrations: ['001_audit_events.sql'],
      bin: './dist/cli.js',
    });
  });
});
