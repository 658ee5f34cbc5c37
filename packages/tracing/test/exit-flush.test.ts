import { spawn } from 'node:child_process';
import { PACKAGE_DIR } from './support/child';
import { startOtlpReceiver } from './support/otlp-receiver';

// A script that records one span and simply runs out of work; the batch
// delay (60 s) is far longer than its life.
const SCRIPT = "require('@app/tracing').withSpan('job.run', { 'app.job': 'nightly' }, () => 42)";

function runScript(env: Record<string, string>): Promise<number | null> {
  return new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, ['--import', '@app/tracing/register', '-e', SCRIPT], {
      cwd: PACKAGE_DIR,
      env: { ...process.env, NODE_OPTIONS: '', OTEL_BSP_SCHEDULE_DELAY: '60000', ...env },
      stdio: 'inherit',
    });
    child.once('exit', resolve);
  });
}

describe('a process that ends normally', () => {
  it('exports its last spans before exiting, without calling shutdown', async () => {
    const receiver = await startOtlpReceiver();
    try {
      expect(await runScript({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.url })).toBe(0);
      expect(receiver.spans.map((s) => [s.name, s.attributes['app.job']])).toEqual([['job.run', 'nightly']]);
    } finally {
      await receiver.close();
    }
  });

  it('sends OTLP protobuf when OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf', async () => {
    const receiver = await startOtlpReceiver();
    try {
      const code = await runScript({
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      });
      expect(code).toBe(0);
      expect(receiver.contentTypes).toEqual(['application/x-protobuf']);
      expect(receiver.spans.map((s) => [s.name, s.attributes['app.job']])).toEqual([['job.run', 'nightly']]);
    } finally {
      await receiver.close();
    }
  });
});
