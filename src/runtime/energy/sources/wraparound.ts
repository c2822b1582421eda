/**
 * Turns a raw hardware energy counter that may wrap or restart into a monotonic total.
 *
 * Like zeus' `RaplWraparoundTracker`, but stateless about time: call {@link CounterTracker.update} with every raw
 * value read, in the counter's own unit, often enough that it wraps at most once between calls.
 */

/** What happened between two readings. */
export type CounterEvent = 'wrap' | 'reset';

/** Options of a {@link CounterTracker}. */
export interface CounterTrackerOptions {
  /**
   * The value at which the counter wraps back to 0 (RAPL `max_energy_range_uj`; 2^32 for a 32-bit accumulator).
   * Without it every decrease is treated as a reset.
   */
  readonly wrapAt?: number;
}

/**
 * Accumulates deltas of a raw counter. A decrease is a wrap when the wrapped delta is less than half the range
 * (a counter read every few ms cannot have advanced further), otherwise a reset or a glitch: then the interval
 * adds nothing and counting restarts from the new value. The total therefore never decreases and a reset can lose
 * at most one reading interval, never invent energy.
 */
export class CounterTracker {
  private readonly _wrapAt: number | undefined;
  private _last: number | undefined;
  private _total = 0;

  constructor(options: CounterTrackerOptions = {}) {
    this._wrapAt = options.wrapAt !== undefined && options.wrapAt > 0 ? options.wrapAt : undefined;
  }

  /** Total advance since the first value, in the counter's unit. */
  get total(): number {
    return this._total;
  }

  /**
   * Feeds one raw value; returns the event if the counter did not simply move forward. `maxWrapAdvance` (same unit)
   * bounds what a wrap may add, when the caller knows the elapsed time and a power ceiling: a 64-bit counter that
   * resets from just below the 32-bit range would otherwise look like a wrap.
   */
  update(raw: number, maxWrapAdvance: number = Number.POSITIVE_INFINITY): CounterEvent | undefined {
    const last = this._last;
    this._last = raw;
    if (last === undefined || raw === last) return undefined;
    if (raw > last) {
      this._total += raw - last;
      return undefined;
    }
    const wrapAt = this._wrapAt;
    if (wrapAt !== undefined && last <= wrapAt) {
      const wrapped = wrapAt - last + raw;
      if (wrapped <= wrapAt / 2 && wrapped <= maxWrapAdvance) {
        this._total += wrapped;
        return 'wrap';
      }
    }
    return 'reset';
  }
}
