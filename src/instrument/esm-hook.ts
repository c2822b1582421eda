/**
 * Registers import-in-the-middle's loader hook so that `import` of the instrumented libraries can be patched. Must
 * run before the app's imports (from `--import openjoules/register`). Limited to the modules we instrument, so the
 * rest of the app loads untouched. Never throws: without `module.register` (Node < 20.6) ESM apps need the manual
 * path (`instrumentModules`).
 */
import * as nodeModule from 'node:module';
import { INSTRUMENTED_MODULES } from './instrumentation.js';

let registered = false;

/** Registers the hook once; returns whether it is (now or already) registered. */
export function registerEsmLoaderHook(warn: (message: string) => void = (m) => console.warn(m)): boolean {
  if (registered) return true;
  const register = (nodeModule as { register?: typeof nodeModule.register }).register;
  if (typeof register !== 'function') {
    warn('openjoules: module.register is not available (Node >= 20.6 needed); ESM imports are not auto-instrumented, use instrumentModules()');
    return false;
  }
  try {
    register('@opentelemetry/instrumentation/hook.mjs', import.meta.url, { data: { include: [...INSTRUMENTED_MODULES] } });
    registered = true;
  } catch (error) {
    warn(`openjoules: could not register the ESM loader hook (${(error as Error).message}); use instrumentModules()`);
  }
  return registered;
}
