/**
 * Method patching with a marker, so that hooks (require-in-the-middle, import-in-the-middle) and the manual path
 * (`instrumentModules`) can all run on the same class without wrapping twice, and `unwrap` restores the original.
 */

const ORIGINAL = Symbol.for('openjoules.instrument.original');

type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;

interface Wrapped {
  [ORIGINAL]?: AnyFunction;
}

/** True when `target[name]` is one of our wrappers. */
export function isWrapped(target: object, name: string): boolean {
  const current = (target as Record<string, unknown>)[name];
  return typeof current === 'function' && (current as Wrapped)[ORIGINAL] !== undefined;
}

/**
 * Replaces the function `target[name]` with `makeWrapper(original)`; does nothing when it is missing or already
 * ours. Returns whether it wrapped.
 */
export function wrapMethod(target: object | undefined, name: string, makeWrapper: (original: AnyFunction) => AnyFunction): boolean {
  if (!target) return false;
  const record = target as Record<string, unknown>;
  const original = record[name];
  if (typeof original !== 'function' || isWrapped(target, name)) return false;
  const wrapper = makeWrapper(original as AnyFunction) as AnyFunction & Wrapped;
  Object.defineProperty(wrapper, ORIGINAL, { value: original, enumerable: false });
  Object.defineProperty(wrapper, 'name', { value: (original as AnyFunction).name, configurable: true });
  Object.defineProperty(wrapper, 'length', { value: (original as AnyFunction).length, configurable: true });
  const descriptor = Object.getOwnPropertyDescriptor(target, name);
  Object.defineProperty(target, name, {
    value: wrapper,
    writable: descriptor?.writable ?? true,
    enumerable: descriptor?.enumerable ?? false,
    configurable: true,
  });
  return true;
}

/** Puts the original function back when `target[name]` is ours. */
export function unwrapMethod(target: object | undefined, name: string): void {
  if (!target || !isWrapped(target, name)) return;
  const original = ((target as Record<string, unknown>)[name] as Wrapped)[ORIGINAL];
  const descriptor = Object.getOwnPropertyDescriptor(target, name);
  Object.defineProperty(target, name, {
    value: original,
    writable: descriptor?.writable ?? true,
    enumerable: descriptor?.enumerable ?? false,
    configurable: true,
  });
}
