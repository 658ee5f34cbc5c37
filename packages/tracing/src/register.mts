// `node --import @app/tracing/register app.js`, for ESM and CommonJS apps.
//
// ES modules cannot be patched after the fact, so the import-in-the-middle
// loader hook is registered first (module.register, as the OpenTelemetry docs
// describe), in the mode where it only wraps the modules an instrumentation
// asked for. Then the SDK starts, and the top-level await holds the app back
// until the loader thread has acknowledged every module to hook.
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';
import preload from './preload.js';

const require = createRequire(import.meta.url);
// Resolve import-in-the-middle from @opentelemetry/instrumentation: the Hook()
// calls of the instrumentations go through that copy, and its message channel
// only reaches a loader registered from the same copy.
const fromInstrumentation = createRequire(require.resolve('@opentelemetry/instrumentation'));
const iitm = fromInstrumentation('import-in-the-middle') as typeof import('import-in-the-middle');
const { registerOptions, waitForAllMessagesAcknowledged } = iitm.createAddHookMessageChannel();
register(pathToFileURL(fromInstrumentation.resolve('import-in-the-middle/hook.mjs')), import.meta.url, registerOptions);

preload.startFromPreload();
await waitForAllMessagesAcknowledged();
