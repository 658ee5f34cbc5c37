import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PromtoolResult {
  status: number | null;
  output: string;
}

/** `promtool check metrics` on the text format: strict means exit 0 and nothing printed. */
export function promtoolCheckMetrics(exposition: string): PromtoolResult {
  const run = spawnSync('promtool', ['check', 'metrics'], { input: exposition, encoding: 'utf8' });
  if (run.error) throw run.error;
  return { status: run.status, output: `${run.stdout}${run.stderr}`.trim() };
}

/** Index just past the sample value of one OpenMetrics sample line (labels may hold spaces, braces and quotes). */
function endOfValue(line: string): number {
  let i = 0;
  while (i < line.length && line[i] !== '{' && line[i] !== ' ') i++;
  if (line[i] === '{') {
    let quoted = false;
    for (i++; i < line.length; i++) {
      const c = line[i];
      if (quoted && c === '\\') i++;
      else if (c === '"') quoted = !quoted;
      else if (!quoted && c === '}') break;
    }
    i++;
  }
  i++; // the space before the value
  while (i < line.length && line[i] !== ' ') i++;
  return i;
}

/**
 * Parses OpenMetrics with Prometheus's own OpenMetrics parser (`promtool tsdb
 * create-blocks-from openmetrics`). Backfilling needs a timestamp on each sample, so one is
 * inserted after every sample value; everything else (families, suffixes, exemplars, # EOF) is
 * checked as served.
 */
export function promtoolCheckOpenMetrics(exposition: string): PromtoolResult {
  const stamped = exposition
    .split('\n')
    .map((line) => {
      if (line === '' || line.startsWith('#')) return line;
      const end = endOfValue(line);
      return `${line.slice(0, end)} 1700000000${line.slice(end)}`;
    })
    .join('\n');
  const dir = mkdtempSync(join(tmpdir(), 'metrics-om-'));
  try {
    writeFileSync(join(dir, 'input.om'), stamped);
    const run = spawnSync(
      'promtool',
      ['tsdb', 'create-blocks-from', 'openmetrics', '-q', join(dir, 'input.om'), join(dir, 'blocks')],
      {
        encoding: 'utf8',
      },
    );
    if (run.error) throw run.error;
    return { status: run.status, output: `${run.stdout}${run.stderr}`.trim() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Sample lines of one metric name in an exposition (either format). */
export function samples(exposition: string, name: string): string[] {
  return exposition.split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
}
