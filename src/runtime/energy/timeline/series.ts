/**
 * A bounded, time-ordered series of (time, value, running integral, aux) points in plain typed arrays: the timeline's
 * own history of one device, searched by binary search. Oldest points are overwritten once it is full. `aux` is a
 * number the owner keeps with each point (the device track keeps the power integral at each counter tick).
 *
 * Searches start from the last answer: the span path asks about times that move forward, so most searches end in one
 * or two comparisons.
 */
export class Series {
  private readonly _t: Float64Array;
  private readonly _v: Float64Array;
  /** Running integral of value over time (trapezoid), value·ms/1000: joules when value is watts. */
  private readonly _q: Float64Array;
  private readonly _aux: Float64Array;
  private readonly _mask: number;
  /** Index the last search returned (a hint; any value is safe). */
  private _hint = 0;
  private _start = 0;
  private _length = 0;

  /** @param capacity points kept, rounded up to a power of two. */
  constructor(capacity: number) {
    let c = 2;
    while (c < capacity && c < 1 << 24) c <<= 1;
    this._t = new Float64Array(c);
    this._v = new Float64Array(c);
    this._q = new Float64Array(c);
    this._aux = new Float64Array(c);
    this._mask = c - 1;
  }

  get length(): number {
    return this._length;
  }

  time(i: number): number {
    return this._t[(this._start + i) & this._mask] ?? NaN;
  }

  value(i: number): number {
    return this._v[(this._start + i) & this._mask] ?? NaN;
  }

  /** Running integral at point i. */
  integral(i: number): number {
    return this._q[(this._start + i) & this._mask] ?? NaN;
  }

  /** The aux number kept with point i. */
  aux(i: number): number {
    return this._aux[(this._start + i) & this._mask] ?? NaN;
  }

  firstTime(): number {
    return this._length > 0 ? this.time(0) : NaN;
  }

  lastTime(): number {
    return this._length > 0 ? this.time(this._length - 1) : NaN;
  }

  /** Appends a point; returns false (and keeps nothing) unless time moves forward. */
  push(tMs: number, value: number, aux: number = NaN): boolean {
    const n = this._length;
    const lastT = n > 0 ? this.time(n - 1) : -Infinity;
    if (!(tMs > lastT)) return false;
    const q = n > 0 ? this.integral(n - 1) + ((this.value(n - 1) + value) / 2) * ((tMs - lastT) / 1000) : 0;
    let slot: number;
    if (n <= this._mask) {
      slot = (this._start + n) & this._mask;
      this._length++;
    } else {
      slot = this._start;
      this._start = (this._start + 1) & this._mask;
    }
    this._t[slot] = tMs;
    this._v[slot] = value;
    this._q[slot] = q;
    this._aux[slot] = aux;
    return true;
  }

  /** Removes the newest point (its owner found it misplaced and pushes it again where it belongs). */
  dropLast(): void {
    if (this._length === 0) return;
    this._length--;
    this._hint = 0;
  }

  /** Index of the last point with time ≤ tMs, or -1. */
  indexAtOrBefore(tMs: number): number {
    const n = this._length;
    if (n === 0 || this.time(0) > tMs) return -1;
    let lo: number;
    let hi: number;
    const h = this._hint < n ? this._hint : n - 1;
    // Gallop from the last answer (O(log distance)), then bisect what is left.
    let step = 1;
    if (this.time(h) <= tMs) {
      lo = h;
      while (lo + step < n && this.time(lo + step) <= tMs) {
        lo += step;
        step <<= 1;
      }
      hi = Math.min(n - 1, lo + step - 1);
    } else {
      let bound = h;
      while (bound - step >= 0 && this.time(bound - step) > tMs) {
        bound -= step;
        step <<= 1;
      }
      lo = Math.max(0, bound - step);
      hi = bound - 1;
    }
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.time(mid) <= tMs) lo = mid;
      else hi = mid - 1;
    }
    this._hint = lo;
    return lo;
  }

  /** Value linearly interpolated at tMs; held flat beyond either end. NaN when empty. */
  valueAt(tMs: number): number {
    const i = this.indexAtOrBefore(tMs);
    if (i < 0) return this._length > 0 ? this.value(0) : NaN;
    if (i >= this._length - 1) return this.value(i);
    const t0 = this.time(i);
    const t1 = this.time(i + 1);
    const v0 = this.value(i);
    return v0 + ((this.value(i + 1) - v0) * (tMs - t0)) / (t1 - t0);
  }

  /** Running integral at tMs (trapezoid on the linear interpolation; flat value beyond either end). */
  integralAt(tMs: number): number {
    return this.integralAtIndex(this.indexAtOrBefore(tMs), tMs);
  }

  /** {@link integralAt} when `i` = indexAtOrBefore(tMs) is known already (one search for several numbers at tMs). */
  integralAtIndex(i: number, tMs: number): number {
    const n = this._length;
    if (n === 0) return NaN;
    if (i < 0) return this.integral(0) - this.value(0) * ((this.time(0) - tMs) / 1000);
    const ti = this.time(i);
    const vi = this.value(i);
    if (i >= n - 1) return this.integral(i) + vi * ((tMs - ti) / 1000);
    const v = vi + ((this.value(i + 1) - vi) * (tMs - ti)) / (this.time(i + 1) - ti);
    return this.integral(i) + ((vi + v) / 2) * ((tMs - ti) / 1000);
  }

  /** The aux number linearly interpolated at tMs; held flat beyond either end. NaN when empty. */
  auxAt(tMs: number): number {
    return this.auxAtIndex(this.indexAtOrBefore(tMs), tMs);
  }

  /** {@link auxAt} when `i` = indexAtOrBefore(tMs) is known already. */
  auxAtIndex(i: number, tMs: number): number {
    if (i < 0) return this._length > 0 ? this.aux(0) : NaN;
    if (i >= this._length - 1) return this.aux(i);
    const t0 = this.time(i);
    const a0 = this.aux(i);
    return a0 + ((this.aux(i + 1) - a0) * (tMs - t0)) / (this.time(i + 1) - t0);
  }

  /** Largest value in [t0, t1], counting the interpolated values at both ends. NaN when empty. */
  maxIn(t0Ms: number, t1Ms: number): number {
    let max = Math.max(this.valueAt(t0Ms), this.valueAt(t1Ms));
    const last = this._length - 1;
    for (let i = Math.max(0, this.indexAtOrBefore(t0Ms) + 1); i <= last && this.time(i) <= t1Ms; i++) {
      max = Math.max(max, this.value(i));
    }
    return max;
  }
}
