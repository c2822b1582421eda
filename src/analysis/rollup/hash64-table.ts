import { releaseArrays } from './release-arrays.js';

/**
 * A 64-bit key (two int32s) → a small non-negative integer, in typed arrays: 12 bytes a slot, open addressing with
 * linear probing, at most 4/5 full and grown by half (not doubled), so its size follows the number of keys in small
 * steps. What the rollup keeps per trace and per conversation; the keys are ids (or hashes of them) whose 64 bits
 * are as good as random, so two keys share a slot's key only by a 1 in 2^64 chance per pair.
 */
export class Hash64Table {
  private _hi = new Int32Array(INITIAL);
  private _lo = new Int32Array(INITIAL);
  /** Value + 1; 0 marks an empty slot. */
  private _values = new Int32Array(INITIAL);
  private _size = 0;

  /** The value of (hi, lo), or -1. */
  get(hi: number, lo: number): number {
    return this._values[this._find(hi, lo)]! - 1;
  }

  /** Sets (hi, lo) to `value` (≥ 0) unless it has one already; returns the value it has after. */
  setIfAbsent(hi: number, lo: number, value: number): number {
    const slot = this._find(hi, lo);
    const old = this._values[slot]!;
    if (old !== 0) return old - 1;
    this._hi[slot] = hi;
    this._lo[slot] = lo;
    this._values[slot] = value + 1;
    if (++this._size * 5 > this._values.length * 4) this._grow();
    return value;
  }

  /** ORs `bits` into the value of (hi, lo), which is 0 when absent; true when (hi, lo) was absent. */
  orValue(hi: number, lo: number, bits: number): boolean {
    const slot = this._find(hi, lo);
    const old = this._values[slot]!;
    if (old !== 0) {
      this._values[slot] = ((old - 1) | bits) + 1;
      return false;
    }
    this.setIfAbsent(hi, lo, bits);
    return true;
  }

  /** Calls `visit` with every key and its value, in no particular order. */
  forEach(visit: (hi: number, lo: number, value: number) => void): void {
    const values = this._values;
    for (let i = 0; i < values.length; i++) if (values[i] !== 0) visit(this._hi[i]!, this._lo[i]!, values[i]! - 1);
  }

  /** The slot holding (hi, lo), or the empty slot where it would go. */
  private _find(hi: number, lo: number): number {
    const n = this._values.length;
    let slot = (Math.imul(hi ^ Math.imul(lo, 0x85ebca6b), 0x9e3779b1) >>> 0) % n;
    while (this._values[slot] !== 0 && (this._hi[slot] !== hi || this._lo[slot] !== lo)) slot = slot + 1 === n ? 0 : slot + 1;
    return slot;
  }

  private _grow(): void {
    const { _hi: hi, _lo: lo, _values: values } = this;
    const size = Math.ceil(values.length * 1.5);
    this._hi = new Int32Array(size);
    this._lo = new Int32Array(size);
    this._values = new Int32Array(size);
    for (let i = 0; i < values.length; i++) {
      if (values[i] === 0) continue;
      const slot = this._find(hi[i]!, lo[i]!);
      this._hi[slot] = hi[i]!;
      this._lo[slot] = lo[i]!;
      this._values[slot] = values[i]!;
    }
    releaseArrays(hi, lo, values);
  }
}

const INITIAL = 1024;
