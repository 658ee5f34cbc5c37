// ES module entry of `@app/metrics/fastify` (the `import` condition). Node and TypeScript (`nodenext`,
// `bundler`) give an ES module importing a CommonJS file its whole `module.exports` as the default
// export, so `import metricsPlugin from '@app/metrics/fastify'` would get `{ metricsPlugin, default }`
// rather than the plugin. This entry re-exports the CommonJS build's plugin as a true default export
// (one instance: no dual-package hazard) and keeps the named export.
import cjs from './fastify.js';

export type { MetricsPluginOptions } from './fastify.js';

/** The Fastify plugin (see `./fastify.ts`). */
export const metricsPlugin: typeof cjs.metricsPlugin = cjs.metricsPlugin;
export default metricsPlugin;
