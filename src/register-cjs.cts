/**
 * CommonJS zero-code entry: `node -r openjoules/register app.js`. `require` cannot wait, so everything is registered
 * synchronously (register-core.ts) and energy joins when the sampler is ready. Needs require(esm) (Node >= 20.19).
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS entry: import = require is its only import form
import core = require('./register-core.js');

const registration = core.registerOpenJoules();

export = registration;
