/**
 * The environment of the sampler's worker thread: the host's, less the preloads in NODE_OPTIONS.
 *
 * Why: a worker thread started from a file runs the process's preloads again — `--import`/`--require` from the command
 * line (unless `execArgv: []`) and from NODE_OPTIONS (unless the worker's env has none). A host whose preload builds
 * our span processor would start the sampler from the preload, whose worker would run the preload, and so on: start-up
 * stalls and no span gets energy. The sampler's worker needs none of the host's code.
 */

/** Flags that make Node load code before the entry point; each takes a value (`--flag v` or `--flag=v`). */
const PRELOAD_FLAGS = new Set(['--require', '-r', '--import', '--loader', '--experimental-loader']);

/** `env` for the sampler's worker: a copy with the preload flags taken out of NODE_OPTIONS (the rest kept). */
export function samplerWorkerEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  const options = env.NODE_OPTIONS;
  if (options === undefined) return copy;
  const kept = withoutPreloads(splitNodeOptions(options));
  if (kept.length === 0) delete copy.NODE_OPTIONS;
  else copy.NODE_OPTIONS = kept.map(quoteNodeOption).join(' ');
  return copy;
}

/** NODE_OPTIONS split as Node splits it: on spaces, with double-quoted parts and backslash escapes inside quotes. */
export function splitNodeOptions(text: string): string[] {
  const args: string[] = [];
  let current: string | undefined;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    let c = text[i] ?? '';
    if (c === '\\' && quoted && i + 1 < text.length) c = text[++i] ?? '';
    else if (c === ' ' && !quoted) {
      if (current !== undefined) args.push(current);
      current = undefined;
      continue;
    } else if (c === '"') {
      quoted = !quoted;
      current ??= '';
      continue;
    }
    current = (current ?? '') + c;
  }
  if (current !== undefined) args.push(current);
  return args;
}

function withoutPreloads(args: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (!PRELOAD_FLAGS.has(flag)) kept.push(arg);
    else if (eq < 0) i++; // its value is the next argument
  }
  return kept;
}

function quoteNodeOption(arg: string): string {
  return /[ "\\]/.test(arg) || arg === '' ? `"${arg.replace(/["\\]/g, (c) => `\\${c}`)}"` : arg;
}
