import { sep } from 'node:path';
import { PATCHED_MODULES } from './semconv';
import type { InstrumentationName } from './types';

/**
 * Instrumented modules already in the CommonJS module cache. They were loaded
 * before the SDK started, so references taken to them then are not patched.
 * (Modules loaded as native ESM are not listed: use the preload for ESM apps.)
 */
export function loadedBeforeStart(enabled: readonly InstrumentationName[]): string[] {
  const paths = Object.keys(require.cache);
  const found: string[] = [];
  for (const [moduleName, instrumentation] of Object.entries(PATCHED_MODULES)) {
    if (!enabled.includes(instrumentation)) continue;
    const marker = `${sep}node_modules${sep}${moduleName}${sep}`;
    if (paths.some((path) => path.includes(marker))) found.push(moduleName);
  }
  return found;
}
