/**
 * Trace id → a small non-negative integer, for every trace of the input, in about 16 bytes a trace: an
 * open-addressing table of typed arrays keyed by the trace id's last 64 bits in lowercase hex (its random part in every id format:
 * W3C, X-Ray's timestamp-first ids, 64-bit ids padded with zeros in front). Two traces sharing those 64 bits would
 * share an entry; among a billion traces the odds are about 1 in 40 million. An id that is not 32 lowercase hex digits
 * (spans given in memory can hold anything) goes to a plain Map instead.
 */
export class TraceIdTable {
  private _hi = new Int32Array(INITIAL);
  private _lo = new Int32Array(INITIAL);
  /** Value + 1; 0 marks an empty slot. */
  private _values = new Int32Array(INITIAL);
  private _size = 0;
  private readonly _other = new Map<string, number>();

  /** The value of `traceId`, or -1. */
  get(traceId: string): number {
    if (!words(traceId)) return this._other.get(traceId) ?? -1;
    const slot = this._find(wordHi, wordLo);
    return this._values[slot]! - 1;
  }

  /** Sets `traceId` to `value` (≥ 0) unless it has one already. */
  setIfAbsent(traceId: string, value: number): void {
    if (!words(traceId)) {
      if (!this._other.has(traceId)) this._other.set(traceId, value);
      return;
    }
    const slot = this._find(wordHi, wordLo);
    if (this._values[slot] !== 0) return;
    this._hi[slot] = wordHi;
    this._lo[slot] = wordLo;
    this._values[slot] = value + 1;
    // At most 3/4 full, so probes stay short.
    if (++this._size * 4 > this._values.length * 3) this._grow();
  }

  /** The slot holding (hi, lo), or the empty slot where it would go. */
  private _find(hi: number, lo: number): number {
    const mask = this._values.length - 1;
    let slot = (Math.imul(hi ^ lo, 0x9e3779b1) >>> 7) & mask;
    while (this._values[slot] !== 0 && (this._hi[slot] !== hi || this._lo[slot] !== lo)) slot = (slot + 1) & mask;
    return slot;
  }

  private _grow(): void {
    const { _hi: hi, _lo: lo, _values: values } = this;
    this._hi = new Int32Array(values.length * 2);
    this._lo = new Int32Array(values.length * 2);
    this._values = new Int32Array(values.length * 2);
    for (let i = 0; i < values.length; i++) {
      if (values[i] === 0) continue;
      const slot = this._find(hi[i]!, lo[i]!);
      this._hi[slot] = hi[i]!;
      this._lo[slot] = lo[i]!;
      this._values[slot] = values[i]!;
    }
  }
}

const INITIAL = 1024;

// The last 64 bits of the id read by words(), as two int32s (the table is synchronous: no per-call object).
let wordHi = 0;
let wordLo = 0;

/** Reads the last 16 hex digits of a 32-digit id into wordHi/wordLo; false for anything else. */
function words(id: string): boolean {
  if (id.length !== 32) return false;
  let hi = 0;
  let lo = 0;
  for (let i = 16; i < 32; i++) {
    const d = hexDigit(id.charCodeAt(i));
    if (d < 0) return false;
    if (i < 24) hi = (hi << 4) | d;
    else lo = (lo << 4) | d;
  }
  wordHi = hi;
  wordLo = lo;
  return true;
}

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  // Lowercase only, as the reader writes ids: an uppercase id stays distinct from its lowercase twin, as in a Map.
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}
