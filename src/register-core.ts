/**
 * What both register entries do (`--import openjoules/register`, `-r openjoules/register`), synchronously: hook the
 * LLM client libraries (require and, through the loader hook, import), register the tracer provider, and flush on
 * exit, within the shutdown bound (OPENJOULES_SHUTDOWN_TIMEOUT_MS, default 5 s). Energy joins when the sampler is
 * ready (`openjoules.ready`). Only the main thread loads this (the entries check), so worker threads and Node's
 * loader thread, which run the preloads again, set nothing up.
 */
import { registerEsmLoaderHook } from './runtime/instrument/esm-hook.js';
import { OpenJoulesInstrumentation } from './runtime/instrument/instrumentation.js';
import { startOpenJoulesSync, type StartingOpenJoules } from './runtime/setup/start.js';

/** What {@link registerOpenJoules} set up. */
export interface Registration {
  readonly openjoules?: StartingOpenJoules;
  readonly instrumentation?: OpenJoulesInstrumentation;
}

let registration: Registration | undefined;

/** Sets everything up once per process (later calls return the first registration). */
export function registerOpenJoules(): Registration {
  if (registration) return registration;
  registerEsmLoaderHook();
  const instrumentation = new OpenJoulesInstrumentation();
  const openjoules = startOpenJoulesSync({ serviceName: process.env.OTEL_SERVICE_NAME?.trim() || undefined });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      instrumentation.disable();
      await openjoules.shutdown();
    })());
  // beforeExit fires when the loop drains (a normal end); the loop then drains again once shutdown is done.
  process.once('beforeExit', () => void stop());
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    const onSignal = (): void => {
      void stop().finally(() => {
        // Our listener kept the default action (exit) from happening; take it now, unless the host listens for the
        // signal too: then ending the process is the host's call.
        if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
      });
    };
    process.once(signal, onSignal);
  }
  return (registration = { openjoules, instrumentation });
}
