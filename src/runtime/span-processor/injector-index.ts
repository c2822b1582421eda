/**
 * Tokens of running CLIENT and PRODUCER spans by span id. A context that crossed a process boundary inside this process
 * (an HTTP or queue call from the agent to a server in the same process: inject, then extract) is a new object that
 * {@link SpanTokens} does not know; its parent is the CLIENT or PRODUCER span that injected it, so only those are
 * looked up by id (the busy INTERNAL spans pay nothing for it).
 */
export class InjectorIndex {
  private readonly _tokens = new Map<string, number>();
  /** Per slot: the span id under which it is in `_tokens`, if it is. */
  private readonly _ids: Array<string | undefined> = [];

  /** Whether any injector is running (the cheap check before a lookup or a forget). */
  get size(): number {
    return this._tokens.size;
  }

  /** The token of the running injector with this span id. */
  get(spanId: string): number | undefined {
    return this._tokens.get(spanId);
  }

  add(slot: number, spanId: string, token: number): void {
    this._tokens.set(spanId, token);
    this._ids[slot] = spanId;
  }

  forget(slot: number): void {
    const id = this._ids[slot];
    if (id === undefined) return;
    this._ids[slot] = undefined;
    this._tokens.delete(id);
  }
}
