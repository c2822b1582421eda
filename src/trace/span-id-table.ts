/**
 * Span id → slot, for the span processor: a chained hash table in typed arrays, so adding and removing a span allocates
 * nothing and keeps no reference to anything.
 *
 * Why ids are kept as numbers: an OTel span id is 16 hex digits, i.e. 64 bits, which two 32-bit words hold exactly.
 * Keeping the id strings instead means every new span's string is stored into this long-lived table, and the garbage
 * collector then has to track and copy those young strings at every scavenge — at hundreds of thousands of spans a
 * second that cost more than the table itself (bench/trace/overhead.ts). Ids that are not 16 hex digits (not OTel's,
 * but possible from other SDKs) go to a Map, exact as well.
 */
export class SpanIdTable {
  private _buckets = new Int32Array(1024).fill(-1);
  private _mask = 1023;
  /** Per slot: the next slot in its bucket, or -1. */
  private _next = new Int32Array(256);
  /** Per slot: the id's two 32-bit words while it is in the table. */
  private _hi = new Int32Array(256);
  private _lo = new Int32Array(256);
  /** Per slot: 1 while in the hashed table, 2 while in the fallback map. */
  private _state = new Uint8Array(256);
  private _count = 0;
  /** Ids that are not 16 hex digits. */
  private readonly _other = new Map<string, number>();
  private readonly _otherIds: Array<string | undefined> = [];
  /** The words of the id parsed last (scratch: parsing allocates nothing). */
  private _parsedHi = 0;
  private _parsedLo = 0;

  /** Adds `slot` under `id` (a slot is in the table at most once). */
  set(id: string, slot: number): void {
    if (slot >= this._next.length) this._growSlots(slot);
    if (!this._parse(id)) {
      this._other.set(id, slot);
      this._otherIds[slot] = id;
      this._state[slot] = 2;
      return;
    }
    if (this._count * 2 >= this._buckets.length) this._rehash(this._buckets.length * 2);
    const hi = this._parsedHi;
    const lo = this._parsedLo;
    const b = bucketOf(hi, lo) & this._mask;
    this._hi[slot] = hi;
    this._lo[slot] = lo;
    this._state[slot] = 1;
    this._next[slot] = this._buckets[b] ?? -1;
    this._buckets[b] = slot;
    this._count++;
  }

  /** The slot added last under `id`, or -1. */
  get(id: string): number {
    if (!this._parse(id)) return this._other.get(id) ?? -1;
    const hi = this._parsedHi;
    const lo = this._parsedLo;
    for (let s = this._buckets[bucketOf(hi, lo) & this._mask] ?? -1; s >= 0; s = this._next[s] ?? -1) {
      if (this._lo[s] === lo && this._hi[s] === hi) return s;
    }
    return -1;
  }

  /** Removes `slot` (whatever id it was added under); nothing when it is not in the table. */
  delete(slot: number): void {
    const state = this._state[slot] ?? 0;
    if (state === 0) return;
    this._state[slot] = 0;
    if (state === 2) {
      const id = this._otherIds[slot];
      this._otherIds[slot] = undefined;
      if (id !== undefined && this._other.get(id) === slot) this._other.delete(id);
      return;
    }
    this._count--;
    const b = bucketOf(this._hi[slot] ?? 0, this._lo[slot] ?? 0) & this._mask;
    let s = this._buckets[b] ?? -1;
    if (s === slot) {
      this._buckets[b] = this._next[slot] ?? -1;
      return;
    }
    while (s >= 0) {
      const n = this._next[s] ?? -1;
      if (n === slot) {
        this._next[s] = this._next[slot] ?? -1;
        return;
      }
      s = n;
    }
  }

  /** Parses a 16-hex-digit id into `_parsedHi`/`_parsedLo`; false for anything else. */
  private _parse(id: string): boolean {
    if (id.length !== 16) return false;
    let hi = 0;
    let lo = 0;
    for (let i = 0; i < 8; i++) {
      const c = id.charCodeAt(i);
      const d = c < 128 ? (HEX[c] ?? -1) : -1;
      if (d < 0) return false;
      hi = (hi << 4) | d;
    }
    for (let i = 8; i < 16; i++) {
      const c = id.charCodeAt(i);
      const d = c < 128 ? (HEX[c] ?? -1) : -1;
      if (d < 0) return false;
      lo = (lo << 4) | d;
    }
    this._parsedHi = hi;
    this._parsedLo = lo;
    return true;
  }

  private _growSlots(slot: number): void {
    const size = Math.max(slot + 1, this._next.length * 2);
    this._next = grow(this._next, size);
    this._hi = grow(this._hi, size);
    this._lo = grow(this._lo, size);
    const state = new Uint8Array(size);
    state.set(this._state);
    this._state = state;
  }

  private _rehash(size: number): void {
    this._buckets = new Int32Array(size).fill(-1);
    this._mask = size - 1;
    for (let slot = 0; slot < this._state.length; slot++) {
      if (this._state[slot] !== 1) continue;
      const b = bucketOf(this._hi[slot] ?? 0, this._lo[slot] ?? 0) & this._mask;
      this._next[slot] = this._buckets[b] ?? -1;
      this._buckets[b] = slot;
    }
  }
}

/** Hex digit values by character code, -1 for anything else. */
const HEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX[97 + i] = 10 + i;
  HEX[65 + i] = 10 + i;
}

/** Span ids are random: mixing the two words is enough. */
function bucketOf(hi: number, lo: number): number {
  return (lo ^ Math.imul(hi, 0x9e3779b1)) >>> 0;
}

function grow(a: Int32Array<ArrayBuffer>, size: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(size);
  b.set(a);
  return b;
}
