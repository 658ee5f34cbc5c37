// OpenMetrics 1.0 rules that promtool's parser (Prometheus 2.42) does not enforce: family
// metadata before samples, sample-name suffixes per type, no interleaved families, cumulative
// histogram buckets, a final # EOF. Returns the problems found (empty when conforming).

const SUFFIXES: Record<string, readonly string[]> = {
  counter: ['_total', '_created'],
  gauge: [''],
  histogram: ['_bucket', '_sum', '_count', '_created'],
  summary: ['', '_sum', '_count', '_created'],
  unknown: [''],
};
const VALUE = /^(NaN|[+-]Inf|[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)$/;
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)( # \{.*\} \S+( \S+)?)?$/;

export function openMetricsProblems(exposition: string): string[] {
  const problems: string[] = [];
  const lines = exposition.split('\n');
  if (lines.pop() !== '' || lines.pop() !== '# EOF') problems.push('does not end with "# EOF\\n"');
  if (lines.includes('# EOF')) problems.push('"# EOF" before the end');
  const seen = new Set<string>();
  let family = '';
  let type = '';
  let buckets: number[] = [];
  let kinds = new Set<string>();
  let sampled = false;
  for (const line of lines) {
    if (line === '') {
      problems.push('blank line');
      continue;
    }
    const meta = /^# (HELP|TYPE|UNIT) (\S+)(?: (.*))?$/.exec(line);
    if (meta) {
      const [, kind, name = ''] = meta;
      if (name !== family) {
        if (seen.has(name)) problems.push(`family ${name} appears twice`);
        seen.add(name);
        family = name;
        type = 'unknown';
        buckets = [];
        kinds = new Set();
        sampled = false;
      }
      if (kinds.has(kind ?? '') || sampled) problems.push(`family ${name}: ${kind} repeated or after samples`);
      kinds.add(kind ?? '');
      if (kind === 'TYPE') {
        type = meta[3] ?? '';
        if (!(type in SUFFIXES)) problems.push(`family ${name}: unsupported type ${type}`);
        if (type === 'counter' && name.endsWith('_total')) problems.push(`counter family ${name} ends in _total`);
      }
      continue;
    }
    if (line.startsWith('#')) {
      problems.push(`stray comment: ${line}`);
      continue;
    }
    const sample = SAMPLE.exec(line);
    if (!sample) {
      problems.push(`unparsable sample: ${line}`);
      continue;
    }
    const [, name = '', , value = '', exemplar] = sample;
    sampled = true;
    const suffix = name.startsWith(family) ? name.slice(family.length) : undefined;
    if (suffix === undefined || !(SUFFIXES[type] ?? []).includes(suffix)) {
      problems.push(`sample ${name} does not belong to ${type} family ${family}`);
    }
    if (!VALUE.test(value)) problems.push(`bad value in: ${line}`);
    if (exemplar && suffix !== '_bucket' && suffix !== '_total') problems.push(`exemplar on ${name}`);
    if (type === 'histogram' && suffix === '_bucket') {
      const count = Number(value);
      if (buckets.length > 0 && count < buckets[buckets.length - 1]! && !line.includes('le="0.005"')) {
        problems.push(`bucket counts decrease at: ${line}`);
      }
      buckets.push(count);
      if (line.includes('le="+Inf"')) buckets = [];
    }
  }
  return problems;
}
