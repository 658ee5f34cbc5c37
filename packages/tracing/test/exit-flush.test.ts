import { spawn } from 'node:child_process';
import { PACKAGE_DIR } from './support/child';
import { startOtlpReceiver } from './support/otlp-receiver';

describe('a process that ends normally', () => {
  it('exports its last spans before exiting, without calling shutdown', async () => {
    const receiver = await startOtlpReceiver();
    try {
      // A script that records one span and simply runs out of work; the batch
      // delay (60 s) is far longer than its life.
      const script = "require('@app/tracing').withSpan('job.run', { 'app.job': 'nightly' }, () => 42)";
      const code = await new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, ['--import', '@app/tracing/register', '-e', script], {
          cwd: PACKAGE_DIR,
          env: {
            ...process.env,
            NODE_OPTIONS: '',
            OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.url,
            OTEL_BSP_SCHEDULE_DELAY: '60000',
          },
          stdio: 'inherit',
        });
        child.once('exit', resolve);
      });
      expect(code).toBe(0);
      expect(receiver.spans.map((s) => [s.name, s.attributes['app.job']])).toEqual([['job.run', 'nightly']]);
    } finally {
      await receiver.close();
    }
  });
});
