/**
 * Zero-code entry: `node --import openjoules/register app.js` instruments openai, @anthropic-ai/sdk and MCP clients
 * and configures everything from the environment (OTEL_* and OPENJOULES_* variables) before the app runs, and
 * flushes on exit. With no OTLP endpoint configured, spans go to JSONL files in OPENJOULES_OUT_DIR (default
 * ./openjoules-out). CommonJS apps: `node -r openjoules/register app.js` (register-cjs.cts).
 */
import { isMainThread } from 'node:worker_threads';
import type { OpenJoules } from './runtime/setup/start.js';

let openjoules: OpenJoules | undefined;
// Worker threads (the energy sampler's among them) inherit --import: only the main thread loads and sets anything up.
if (isMainThread) {
  const { registerOpenJoules } = await import('./register-core.js');
  const registration = registerOpenJoules();
  // An ESM preload may wait: the app starts with energy already attached.
  await registration.openjoules?.ready;
  openjoules = registration.openjoules;
}

export { openjoules };
