/**
 * CommonJS zero-code entry: `node -r openjoules/register app.js`. `require` cannot wait, so everything is registered
 * synchronously (register-core.ts) and energy joins when the sampler is ready. Needs require(esm) (Node >= 20.19).
 *
 * `-r` preloads run again in every worker thread and in Node's module loader thread (the one `module.register`
 * starts for the ESM hook). Only the main thread requires the ESM core: in the loader thread require(esm) fails
 * (Node 22 and 24: "resolveSync() is not implemented"), which took the loader, and then the app, down.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS entry: import = require is its import form
import workerThreads = require('node:worker_threads');
import type { Registration } from './register-core.js';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- required only on the main thread (see above)
const registration: Registration = workerThreads.isMainThread ? (require('./register-core.js') as typeof import('./register-core.js')).registerOpenJoules() : {};

export = registration;
