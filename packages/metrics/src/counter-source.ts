import type { Counter, Registry } from 'prom-client';
import { conflictError, invalidNameError } from './errors';
import { getOrCreateCounter } from './get-or-create';
import type { CounterSample, CounterSourceOptions } from './types';

type Reader = CounterSourceOptions['read'];

// The reader lives outside the counter so a second registration can replace it.
const readers = new WeakMap<object, Reader>();

function load(counter: Counter<string>, samples: number | ReadonlyArray<CounterSample>): void {
  counter.reset();
  if (typeof samples === 'number') {
    counter.inc(samples);
    return;
  }
  for (const sample of samples) counter.inc(sample.labels, sample.value);
}

/**
 * Registers a counter whose value is read at scrape time from `read()`, so a package can expose
 * a count it keeps itself (e.g. audit events written) without importing prom-client metrics.
 * Registering the same name again replaces the reader; a plain counter of that name is a conflict.
 */
export function registerCounterSource(registry: Registry, options: CounterSourceOptions): Counter<string> {
  if (!options.name.endsWith('_total')) throw invalidNameError(options.name, 'a counter name must end in "_total"');
  const before = registry.getSingleMetric(options.name);
  const counter = getOrCreateCounter<string>(registry, {
    name: options.name,
    help: options.help,
    labelNames: options.labelNames ?? [],
    collect() {
      const read = readers.get(this);
      if (read) load(this, read());
    },
  });
  if (before && !readers.has(counter)) throw conflictError(options.name, 'as a plain counter, not a counter source');
  readers.set(counter, options.read);
  return counter;
}
