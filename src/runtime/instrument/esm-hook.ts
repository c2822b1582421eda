/**
 * The ESM loader hook that lets `import 'openai'` (and the other libraries instrumentations patch) be patched:
 * import-in-the-middle's hook, the one `@opentelemetry/instrumentation/hook.mjs` re-exports, registered with
 * `module.register` (Node 20.6+; the hook runs on Node's loader thread). Must run before the app's imports: from
 * `--import openjoules/register`, or from a host's own `--import ./instrumentation.mjs`.
 */
import * as nodeModule from 'node:module';
import { MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { INSTRUMENTED_MODULES } from './instrumentation.js';

/**
 * Asks the loader thread whether import-in-the-middle's hook is initialized there already (it sets this global in its
 * `initialize`). `module.register` returns once `initialize` has run, so the answer is waiting on the port.
 */
const PROBE_HOOK =
  'data:text/javascript,export async function initialize({ port }) {' +
  ' port.postMessage(globalThis.__import_in_the_middle_initialized__ === true); port.close(); }';

let outcome: boolean | undefined;

/**
 * Registers the ESM loader hook so that `import` of openai, @anthropic-ai/sdk and the MCP client (and of any module
 * an OpenTelemetry instrumentation enabled later hooks, through import-in-the-middle's message channel) can be
 * patched; the rest of the app loads untouched. The one call a host's `--import ./instrumentation.mjs` needs before
 * `new NodeSDK({ instrumentations: [new OpenJoulesInstrumentation(), …] }).start()`. Works on Node 20.19+, 22 and 24.
 *
 * When the host registered `@opentelemetry/instrumentation/hook.mjs` (or import-in-the-middle's hook) first, that
 * hook is used as it is and nothing is registered twice (a second registration would replace its module list).
 * Idempotent; never throws: returns whether a hook is in place, and says in one `warn` line why not.
 */
export function registerEsmLoaderHook(warn: (message: string) => void = (m) => console.warn(m)): boolean {
  if (outcome !== undefined) return outcome;
  const register = (nodeModule as { register?: typeof nodeModule.register }).register;
  if (typeof register !== 'function') {
    warn('openjoules: module.register is not available (Node >= 20.6 needed); ESM imports are not auto-instrumented, use instrumentModules()');
    return (outcome = false);
  }
  try {
    if (hookAlreadyRegistered(register)) return (outcome = true);
    const channel = addHookMessageChannel();
    const data = { include: [...INSTRUMENTED_MODULES], ...(channel ? { addHookMessagePort: channel.port } : {}) };
    register('@opentelemetry/instrumentation/hook.mjs', import.meta.url, { data, transferList: channel ? [channel.port] : [] });
    return (outcome = true);
  } catch (error) {
    warn(`openjoules: could not register the ESM loader hook (${(error as Error).message}); use instrumentModules()`);
    return (outcome = false);
  }
}

function hookAlreadyRegistered(register: typeof nodeModule.register): boolean {
  const { port1, port2 } = new MessageChannel();
  try {
    register(PROBE_HOOK, import.meta.url, { data: { port: port2 }, transferList: [port2] });
    return receiveMessageOnPort(port1)?.message === true;
  } finally {
    port1.close();
  }
}

/**
 * import-in-the-middle's channel for modules hooked after registration (`Hook([...])` posts their names to the
 * loader), taken from the copy `@opentelemetry/instrumentation` uses, so the instrumentations' hooks reach it.
 */
function addHookMessageChannel(): { port: MessagePort } | undefined {
  try {
    const require = nodeModule.createRequire(import.meta.url);
    const iitm = nodeModule.createRequire(require.resolve('@opentelemetry/instrumentation'))('import-in-the-middle') as {
      createAddHookMessageChannel?: () => { addHookMessagePort: MessagePort };
    };
    const channel = iitm.createAddHookMessageChannel?.();
    return channel ? { port: channel.addHookMessagePort } : undefined;
  } catch {
    return undefined; // an import-in-the-middle without the channel: the static module list still applies
  }
}
