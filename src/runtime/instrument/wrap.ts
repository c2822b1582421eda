/**
 * Method patching with a marker, so that hooks (require-in-the-middle, import-in-the-middle) and the manual path
 * (`instrumentModules`) can all run on the same class without wrapping twice, and `unwrapMethod` restores the original.
 *
 * Peers (the official OpenTelemetry, OpenLLMetry and OpenInference instrumentations) patch the same prototype methods
 * through `InstrumentationBase._wrap`, i.e. shimmer, which marks its wrappers (`__wrapped`, `__original`). Where a
 * peer traces a method, ours steps aside and calls straight through, so a call has one model span, the peer's:
 * - patch time: the method is already a peer's wrapper: we do not wrap it;
 * - call time: a peer has wrapped our wrapper (the method installed now is a peer's wrapper over ours), or a span of
 *   a known peer scope is active (a peer that patched some other way is tracing this very call).
 */
import { isPeerSpanActive } from './peer-span.js';

const ORIGINAL = Symbol.for('openjoules.instrument.original');
/** Set on a wrapper we could not remove because a peer wrapped it: it then only calls through. */
const RETIRED = Symbol.for('openjoules.instrument.retired');

type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;

interface Wrapped {
  [ORIGINAL]?: AnyFunction;
  [RETIRED]?: boolean;
}

interface ShimmerWrapped {
  __wrapped?: unknown;
  __original?: unknown;
}

/** Longest chain of wrappers walked down; real stacks are 1–3 deep. */
const MAX_CHAIN = 16;

/** The function a shimmer wrapper wraps, or undefined when `fn` is not one. */
function shimmerOriginal(fn: unknown): unknown {
  const marked = fn as ShimmerWrapped;
  return typeof fn === 'function' && marked.__wrapped === true && typeof marked.__original === 'function' ? marked.__original : undefined;
}

/** Our wrapper at the top of `fn`'s chain of shimmer wrappers (`fn` itself when it is ours), if any. */
function oursIn(fn: unknown): (AnyFunction & Wrapped) | undefined {
  let current = fn;
  for (let depth = 0; depth < MAX_CHAIN && typeof current === 'function'; depth++) {
    if ((current as Wrapped)[ORIGINAL] !== undefined) return current as AnyFunction & Wrapped;
    current = shimmerOriginal(current);
  }
  return undefined;
}

/** True when `fn` is a peer's wrapper (shimmer-marked, not ours). */
export function isPeerWrapper(fn: unknown): boolean {
  return typeof fn === 'function' && (fn as Wrapped)[ORIGINAL] === undefined && shimmerOriginal(fn) !== undefined;
}

/** True when `target[name]` is one of our wrappers, or a peer's wrapper over one of ours. */
export function isWrapped(target: object, name: string): boolean {
  return oursIn((target as Record<string, unknown>)[name]) !== undefined;
}

/** True when the method installed now is a chain of peer wrappers over `wrapper`: the peer traces the call. */
function isPeerAbove(target: object, name: string, wrapper: AnyFunction): boolean {
  const installed = (target as Record<string, unknown>)[name];
  return installed !== wrapper && oursIn(installed) === wrapper;
}

/** Options of {@link wrapMethod}. */
export interface WrapOptions {
  /** Scopes of the peers whose active span means "this call is already traced" (see peer-span.ts). */
  readonly peerScopes?: ReadonlySet<string>;
}

function setMethod(target: object, name: string, value: unknown): void {
  const descriptor = Object.getOwnPropertyDescriptor(target, name);
  Object.defineProperty(target, name, {
    value,
    writable: descriptor?.writable ?? true,
    enumerable: descriptor?.enumerable ?? false,
    configurable: true,
  });
}

/**
 * Replaces the function `target[name]` with a wrapper that runs `makeWrapper(original)`, or calls `original` itself
 * when a peer traces the call. Does nothing when the method is missing, already ours, or a peer's wrapper. Returns
 * whether it wrapped.
 */
export function wrapMethod(
  target: object | undefined,
  name: string,
  makeWrapper: (original: AnyFunction) => AnyFunction,
  options: WrapOptions = {},
): boolean {
  if (!target) return false;
  const original = (target as Record<string, unknown>)[name];
  if (typeof original !== 'function') return false;
  const ours = oursIn(original);
  if (ours) {
    ours[RETIRED] = false;
    return false;
  }
  if (isPeerWrapper(original)) return false;
  const traced = makeWrapper(original as AnyFunction);
  const { peerScopes } = options;
  const wrapper = function (this: unknown, ...args: unknown[]): unknown {
    if (wrapper[RETIRED] === true || isPeerAbove(target, name, wrapper) || isPeerSpanActive(peerScopes)) {
      return (original as AnyFunction).apply(this, args);
    }
    return traced.apply(this, args);
  } as AnyFunction & Wrapped;
  Object.defineProperty(wrapper, ORIGINAL, { value: original, enumerable: false });
  Object.defineProperty(wrapper, RETIRED, { value: false, enumerable: false, writable: true });
  Object.defineProperty(wrapper, 'name', { value: (original as AnyFunction).name, configurable: true });
  Object.defineProperty(wrapper, 'length', { value: (original as AnyFunction).length, configurable: true });
  setMethod(target, name, wrapper);
  return true;
}

/**
 * Puts the original function back when `target[name]` is ours. When a peer has wrapped ours, taking ours out would
 * break the peer's chain: ours is retired instead (it calls straight through until patched again).
 */
export function unwrapMethod(target: object | undefined, name: string): void {
  if (!target) return;
  const current = (target as Record<string, unknown>)[name];
  const ours = oursIn(current);
  if (!ours) return;
  if (ours === current) setMethod(target, name, ours[ORIGINAL]);
  else ours[RETIRED] = true;
}
