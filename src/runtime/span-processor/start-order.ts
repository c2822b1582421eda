/** What {@link StartOrder} needs to know of the slots: whether a token still names a running span. */
export interface RunningSlots {
  slotOf(token: number): number;
  isEnded(slot: number): boolean;
}

/**
 * Tokens of tracked spans in start order, to find the oldest running one when too many run at once (spans that never
 * end must not grow memory without bound). Stale tokens (ended or freed spans) are skipped, and compacted away when the
 * array fills.
 */
export class StartOrder {
  private _tokens = new Float64Array(256);
  private _head = 0;
  private _tail = 0;

  constructor(private readonly _slots: RunningSlots) {}

  push(token: number): void {
    if (this._tail === this._tokens.length) this._compact();
    this._tokens[this._tail++] = token;
  }

  /** Takes the oldest running span's slot out of the order (-1 when none runs). */
  takeOldestRunning(): number {
    while (this._head < this._tail) {
      const slot = this._slots.slotOf(this._tokens[this._head++] ?? -1);
      if (slot >= 0 && !this._slots.isEnded(slot)) return slot;
    }
    return -1;
  }

  /** Drops what no longer names a running span, then makes room. */
  private _compact(): void {
    let w = 0;
    for (let r = this._head; r < this._tail; r++) {
      const token = this._tokens[r] ?? -1;
      const slot = this._slots.slotOf(token);
      if (slot >= 0 && !this._slots.isEnded(slot)) this._tokens[w++] = token;
    }
    this._head = 0;
    this._tail = w;
    if (w * 2 > this._tokens.length) {
      const tokens = new Float64Array(this._tokens.length * 2);
      tokens.set(this._tokens.subarray(0, w));
      this._tokens = tokens;
    }
  }
}
