/**
 * What both register entries do (`--import openjoules/register`, `-r openjoules/register`), synchronously: hook the
 * LLM client libraries (require and, through the loader hook, import), register the tracer provider, and flush on
 * exit. Energy joins when the sampler is ready (`openjoules.ready`).
 */
import { isMainThread } from 'node:worker_threads';
import { registerEsmLoaderHook } from './instrument/esm-hook.js';
import { OpenJoulesInstrumentation } from './instrument/instrumentation.js';
import { startOpenJoulesSync, type StartingOpenJoules } from './setup/start.js';

/** What {@link registerOpenJoules} set up; nothing in worker threads. */
export interface Registration {
  readonly openjoules?: StartingOpenJoules;
  readonly instrumentation?: OpenJoulesInstrumentation;
}

let registration: Registration | undefined;

/** Sets everything up once per process (later calls return the first registration). */
export function registerOpenJoules(): Registration {
  if (registration) return registration;
  // Worker threads inherit --import / -r: only the main thread sets up telemetry (our own sampler worker included).
  if (!isMainThread) return (registration = {});
  registerEsmLoaderHook();
  const instrumentation = new OpenJoulesInstrumentation();
  const openjoules = startOpenJoulesSync({ serviceName: process.env.OTEL_SERVICE_NAME?.trim() || undefined });

  let exiting = false;
  const stop = async (): Promise<void> => {
    if (exiting) return;
    exiting = true;
    instrumentation.disable();
    await openjoules.shutdown();
  };
  // beforeExit fires when the loop drains (a normal end); signals need an explicit exit after the flush.
  process.once('beforeExit', () => void stop());
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      void stop().finally(() => process.kill(process.pid, signal));
    });
  }
  return (registration = { openjoules, instrumentation });
}
