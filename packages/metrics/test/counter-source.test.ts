import { Counter, Registry } from 'prom-client';
import { registerCounterSource } from '../src';

describe('registerCounterSource', () => {
  it('reads a plain count at every scrape', async () => {
    const registry = new Registry();
    let written = 0;
    registerCounterSource(registry, { name: 'audit_events_total', help: 'h', read: () => written });
    written = 3;
    expect(await registry.metrics()).toContain('audit_events_total 3');
    written = 5;
    expect(await registry.metrics()).toContain('audit_events_total 5');
  });

  it('reads labelled counts, and a second registration replaces the reader', async () => {
    const registry = new Registry();
    const first = registerCounterSource(registry, {
      name: 'spans_dropped_total',
      help: 'h',
      labelNames: ['reason'],
      read: () => [{ labels: { reason: 'queue_full' }, value: 2 }],
    });
    const second = registerCounterSource(registry, {
      name: 'spans_dropped_total',
      help: 'h',
      labelNames: ['reason'],
      read: () => [
        { labels: { reason: 'queue_full' }, value: 4 },
        { labels: { reason: 'export_failed' }, value: 1 },
      ],
    });
    expect(second).toBe(first);
    const text = await registry.metrics();
    expect(text).toContain('spans_dropped_total{reason="queue_full"} 4');
    expect(text).toContain('spans_dropped_total{reason="export_failed"} 1');
  });

  it('refuses names without _total and plain counters of the same name', () => {
    const registry = new Registry();
    expect(() => registerCounterSource(registry, { name: 'audit_events', help: 'h', read: () => 1 })).toThrow(
      expect.objectContaining({ code: 'METRICS_ERR_INVALID_NAME' }),
    );
    new Counter({ name: 'plain_total', help: 'h', registers: [registry] });
    expect(() => registerCounterSource(registry, { name: 'plain_total', help: 'h', read: () => 1 })).toThrow(
      expect.objectContaining({ code: 'METRICS_ERR_CONFLICT' }),
    );
  });
});
