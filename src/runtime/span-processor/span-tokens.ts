import type { SpanContext } from '@opentelemetry/api';

/**
 * How a span finds its slot, and a child its parent's: the slot's token (`AttributionSweep.token`) by the span's
 * SpanContext object. The SDK hands a child the very SpanContext object its parent's `spanContext()` returns (2.x and
 * 3.x lines), so one table serves both lookups. A token names a slot only while that slot still holds its span, and an
 * entry goes when its span is passed on or forgotten, so a child started after its parent was passed on finds nothing
 * rather than whatever reuses the slot.
 *
 * A Map with explicit deletes, not a WeakMap: a WeakMap holding every span's context costs ~0.8 µs more per span
 * (bench/trace/overhead.ts, bare spans) — the garbage collector walks its ephemeron table at every scavenge — while
 * the Map holds only what is tracked, each entry dropped with its slot.
 */
export class SpanTokens {
  private readonly _tokens = new Map<SpanContext, number>();
  /** Per slot: the context it is in `_tokens` under. */
  private readonly _contexts: Array<SpanContext | undefined> = [];

  /** The token of the span whose context this is, if tracked. */
  get(context: SpanContext): number | undefined {
    return this._tokens.get(context);
  }

  has(context: SpanContext): boolean {
    return this._tokens.has(context);
  }

  add(slot: number, context: SpanContext, token: number): void {
    this._tokens.set(context, token);
    this._contexts[slot] = context;
  }

  /** Drops the slot's entry (its span was passed on or forgotten). */
  forget(slot: number): void {
    const context = this._contexts[slot];
    if (context === undefined) return;
    this._contexts[slot] = undefined;
    this._tokens.delete(context);
  }
}
