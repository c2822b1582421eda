/**
 * Zero-code entry: `node --import openjoules/register app.js` configures everything from the environment
 * (OTEL_* and OPENJOULES_* variables) before the app runs, and flushes on exit. With no OTLP endpoint configured,
 * spans go to JSONL files in OPENJOULES_OUT_DIR (default ./openjoules-out).
 */
import { isMainThread } from 'node:worker_threads';
import { startOpenJoules, type OpenJoules } from './setup/start.js';

// Worker threads inherit --import: only the main thread sets up telemetry (our own sampler worker included).
const openjoules: OpenJoules | undefined = isMainThread
  ? await startOpenJoules({ serviceName: process.env.OTEL_SERVICE_NAME?.trim() || undefined })
  : undefined;

let exiting = false;
async function stop(): Promise<void> {
  if (exiting) return;
  exiting = true;
  await openjoules?.shutdown();
}

// beforeExit fires when the loop drains (a normal end); signals need an explicit exit after the flush.
if (openjoules) {
  process.once('beforeExit', () => void stop());
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      void stop().finally(() => process.kill(process.pid, signal));
    });
  }
}

export { openjoules };
