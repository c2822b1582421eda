/**
 * Ended spans waiting for their energy, in end order: a ring of slots, each with when it ended (performance.now() ms).
 *
 * End times are stamped in batches ({@link stamp}, once per poll) rather than read per span: a span's stamp is at most
 * one poll later than its real end, so a hold limit is never cut short; at worst a timeout release comes one poll late.
 */
export class HeldQueue {
  private _slots = new Int32Array(256);
  private _endedAt = new Float64Array(256);
  private _head = 0;
  private _count = 0;
  /** The newest held spans not stamped with their end time yet. */
  private _unstamped = 0;

  get count(): number {
    return this._count;
  }

  /** The slot that has waited longest (-1 when none). */
  get oldest(): number {
    return this._count > 0 ? (this._slots[this._head] ?? -1) : -1;
  }

  /** The slot held last (-1 when none). */
  get newest(): number {
    return this._count > 0 ? (this._slots[(this._head + this._count - 1) & (this._slots.length - 1)] ?? -1) : -1;
  }

  /** When the oldest held span ended (performance.now() ms; NaN when none). */
  get oldestEndedAt(): number {
    return this._count > 0 ? (this._endedAt[this._head] ?? NaN) : NaN;
  }

  push(slot: number): void {
    if (this._count === this._slots.length) this._grow();
    this._slots[(this._head + this._count) & (this._slots.length - 1)] = slot;
    this._count++;
    this._unstamped++;
  }

  /** Removes the oldest. */
  shift(): void {
    if (this._count === 0) return;
    this._head = (this._head + 1) & (this._slots.length - 1);
    this._count--;
    if (this._unstamped > this._count) this._unstamped = this._count;
  }

  /** Stamps the spans held since the last stamp with `nowMs` (performance.now()). */
  stamp(nowMs: number): void {
    const mask = this._slots.length - 1;
    for (let k = this._count - this._unstamped; k < this._count; k++) this._endedAt[(this._head + k) & mask] = nowMs;
    this._unstamped = 0;
  }

  private _grow(): void {
    const size = this._slots.length * 2;
    const slots = new Int32Array(size);
    const endedAt = new Float64Array(size);
    const mask = this._slots.length - 1;
    for (let k = 0; k < this._count; k++) {
      slots[k] = this._slots[(this._head + k) & mask] ?? -1;
      endedAt[k] = this._endedAt[(this._head + k) & mask] ?? NaN;
    }
    this._slots = slots;
    this._endedAt = endedAt;
    this._head = 0;
  }
}
