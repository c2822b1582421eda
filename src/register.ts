/**
 * Zero-code entry: `node --import openjoules/register app.js` configures everything from the environment
 * (OTEL_* and OPENJOULES_* variables) before the app runs, and flushes on exit. With no OTLP endpoint configured,
 * spans go to JSONL files in OPENJOULES_OUT_DIR (default ./openjoules-out).
 */
import { startOpenJoules } from './setup/start.js';

const openjoules = await startOpenJoules({ serviceName: process.env.OTEL_SERVICE_NAME?.trim() || undefined });

let exiting = false;
async function stop(): Promise<void> {
  if (exiting) return;
  exiting = true;
  await openjoules.shutdown();
}

// beforeExit fires when the loop drains (a normal end); signals need an explicit exit after the flush.
process.once('beforeExit', () => void stop());
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void stop().finally(() => process.kill(process.pid, signal));
  });
}

export { openjoules };
