// ES module entry of `@app/metrics/fastify` (the `import` condition). Node and TypeScript (`nodenext`,
// `node16`) give an ES module importing a CommonJS file its whole `module.exports` as the default export,
// so `import metricsPlugin from '@app/metrics/fastify'` would get `{ metricsPlugin, default }` rather
// than the plugin. This entry re-exports the CommonJS build's plugin (one instance: no dual-package
// hazard) as a true default export and keeps the named export.
import { metricsPlugin } from './fastify.js';

export type { MetricsPluginOptions } from './fastify.js';
export { metricsPlugin };
export default metricsPlugin;
