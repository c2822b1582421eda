import { hash64, hashHi, hashLo } from './hash64.js';
import { Hash64Table } from './hash64-table.js';

/**
 * Trace id → a small non-negative integer, for every trace of the input, in about 18 bytes a trace: a
 * {@link Hash64Table} keyed by the id's last 64 bits (its random part in every id format: W3C, X-Ray's
 * timestamp-first ids, 64-bit ids padded with zeros in front). Two traces sharing those 64 bits would share an
 * entry; among a billion traces the odds are about 1 in 40 million. An id that is not 32 lowercase hex digits (spans
 * given in memory can hold anything) goes to a plain Map instead.
 */
export class TraceIdTable {
  private readonly _table = new Hash64Table();
  private readonly _other = new Map<string, number>();

  /** The value of `traceId`, or -1. */
  get(traceId: string): number {
    if (!words(traceId)) return this._other.get(traceId) ?? -1;
    return this._table.get(wordHi, wordLo);
  }

  /** Sets the id whose last 64 bits are (hi, lo) to `value` unless it has one already; returns the value it has after. */
  setIfAbsentWords(hi: number, lo: number, value: number): number {
    return this._table.setIfAbsent(hi, lo, value);
  }

  /** Calls `visit` with each hex id's last 64 bits and value, `visitOther` with each other id and value. */
  forEach(visit: (hi: number, lo: number, value: number) => void, visitOther: (id: string, value: number) => void): void {
    this._table.forEach(visit);
    for (const [id, value] of this._other) visitOther(id, value);
  }

  /** Sets `traceId` to `value` (≥ 0) unless it has one already. */
  setIfAbsent(traceId: string, value: number): void {
    if (words(traceId)) this._table.setIfAbsent(wordHi, wordLo, value);
    else if (!this._other.has(traceId)) this._other.set(traceId, value);
  }
}

/**
 * A trace id as 64 bits, left in {@link keyHi} / {@link keyLo}: the last 64 of a 32-digit lowercase hex id (as
 * {@link TraceIdTable} keys it), else a 64-bit hash of the id.
 */
export function traceKey64(traceId: string): void {
  if (words(traceId)) {
    keyHi = wordHi;
    keyLo = wordLo;
  } else {
    hash64(traceId);
    keyHi = hashHi;
    keyLo = hashLo;
  }
}
export let keyHi = 0;
export let keyLo = 0;

// The last 64 bits of the id read by words(), as two int32s (the table is synchronous: no per-call object).
let wordHi = 0;
let wordLo = 0;

/** Reads the last 64 bits of a 32-digit lowercase hex id into wordHi/wordLo; false for any other id. */
function words(id: string): boolean {
  if (id.length !== 32) return false;
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < 32; i++) {
    const d = hexDigit(id.charCodeAt(i));
    if (d < 0) return false;
    if (i >= 24) lo = (lo << 4) | d;
    else if (i >= 16) hi = (hi << 4) | d;
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
