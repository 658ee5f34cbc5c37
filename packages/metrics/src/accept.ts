/** The exposition formats the handler can serve. */
export type ExpositionFormat = 'prometheus' | 'openmetrics';

/**
 * Picks the format from an Accept header by quality value: OpenMetrics 1.0 when the scraper
 * weighs it at least as high as plain text (Prometheus sends it first, q=1), plain text otherwise.
 */
export function negotiateFormat(accept: string | undefined): ExpositionFormat {
  if (!accept) return 'prometheus';
  let openMetrics = 0;
  let text = 0;
  for (const part of accept.split(',')) {
    const [mediaRange = '', ...params] = part.split(';').map((p) => p.trim());
    let q = 1;
    let version: string | undefined;
    for (const param of params) {
      const [key, value] = param.split('=').map((p) => p.trim());
      if (key === 'q') q = Number(value);
      else if (key === 'version') version = value;
    }
    if (!(q > 0)) continue;
    const type = mediaRange.toLowerCase();
    if (
      type === 'application/openmetrics-text' &&
      (version === undefined || version === '1.0.0' || version === '0.0.1')
    ) {
      openMetrics = Math.max(openMetrics, q);
    } else if (type === 'text/plain' || type === 'text/*' || type === '*/*') {
      text = Math.max(text, q);
    }
  }
  return openMetrics > 0 && openMetrics >= text ? 'openmetrics' : 'prometheus';
}
