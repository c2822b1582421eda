// A span processor in front of another that hands it Proxies of the SDK's spans and span contexts and records what it
// touches of their private parts. Used by public-api.test.ts (2.x line) and otel-3x-line.test.ts (3.x line).
import type { Context, SpanContext } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';

/**
 * Hands the processor it guards Proxies of the SDK's spans and span contexts, and records every `_`-prefixed key it
 * touches on them, and anything it tries to set or define on a span context. Methods run on the real object, so the
 * SDK's own use of its fields is not counted. One Proxy per object, so identities hold (a child's parentSpanContext is
 * its parent's spanContext()).
 */
export class PrivateFieldGuard implements SpanProcessor {
  readonly touched = new Set<string>();
  private readonly _proxies = new WeakMap<object, object>();

  constructor(private readonly _inner: SpanProcessor) {}

  onStart(span: Span, parentContext: Context): void {
    this._inner.onStart(this._span(span), parentContext);
  }
  onEnding(span: Span): void {
    this._inner.onEnding?.(this._span(span));
  }
  onEnd(span: ReadableSpan): void {
    this._inner.onEnd(this._span(span as Span));
  }
  forceFlush(): Promise<void> {
    return this._inner.forceFlush();
  }
  shutdown(): Promise<void> {
    return this._inner.shutdown();
  }

  private _span(span: Span): Span {
    return this._proxy(span, 'span', (target, key) => {
      if (key === 'spanContext') return () => this._context(target.spanContext());
      if (key === 'parentSpanContext') return target.parentSpanContext && this._context(target.parentSpanContext);
      return undefined;
    });
  }

  private _context(context: SpanContext): SpanContext {
    return this._proxy(context, 'spanContext', () => undefined, true);
  }

  private _proxy<T extends object>(target: T, what: string, special: (target: T, key: string) => unknown, readOnly = false): T {
    const known = this._proxies.get(target);
    if (known) return known as T;
    const note = (key: string | symbol, how: string): void => {
      if (typeof key === 'symbol' || key.startsWith('_') || readOnly) this.touched.add(`${how} ${what}.${String(key)}`);
    };
    const proxy = new Proxy(target, {
      get: (t, key) => {
        if (typeof key === 'string' && key.startsWith('_')) note(key, 'read');
        const replaced = typeof key === 'string' ? special(t, key) : undefined;
        if (replaced !== undefined) return replaced;
        const value: unknown = Reflect.get(t, key, t);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(t) : value;
      },
      has: (t, key) => {
        if (typeof key === 'string' && key.startsWith('_')) note(key, 'probe');
        return Reflect.has(t, key);
      },
      getOwnPropertyDescriptor: (t, key) => {
        if (typeof key === 'string' && key.startsWith('_')) note(key, 'describe');
        return Reflect.getOwnPropertyDescriptor(t, key);
      },
      set: (t, key, value) => {
        note(key, 'write');
        return Reflect.set(t, key, value, t);
      },
      defineProperty: (t, key, descriptor) => {
        note(key, 'define');
        return Reflect.defineProperty(t, key, descriptor);
      },
      deleteProperty: (t, key) => {
        note(key, 'delete');
        return Reflect.deleteProperty(t, key);
      },
    });
    this._proxies.set(target, proxy);
    return proxy;
  }
}

