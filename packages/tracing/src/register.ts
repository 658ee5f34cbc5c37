// `node --require @app/tracing/register app.js` (CommonJS only). With
// `--import`, Node picks register.mjs instead, which also hooks ES modules.
import { startFromPreload } from './preload';

startFromPreload();
