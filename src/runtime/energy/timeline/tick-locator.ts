/**
 * Where, inside the gap between two reads, did the energy counter tick?
 *
 * A polled counter (NVML updates every ~100 ms, read every 10 ms) shows its new value at the first read after the tick,
 * so one observation only says "the tick is in (lo, hi]". When the counter ticks on a regular period, every earlier
 * observation, shifted by a whole number of periods, narrows that window too; intersecting the last few dozen pins the
 * tick to well under a sampling period after a second or so. When the ticks are not regular the intersection becomes
 * empty and we stop shrinking there, so the answer always stays inside the window actually observed.
 */

const HISTORY = 32;

/** Estimates tick times from observation windows of one device. */
export class TickLocator {
  private readonly _periodMs: number | undefined;
  private readonly _lo = new Float64Array(HISTORY);
  private readonly _hi = new Float64Array(HISTORY);
  private _count = 0;

  /** @param periodMs the counter's update period in ms when known (DeviceInfo.counterPeriodMs). */
  constructor(periodMs: number | undefined) {
    this._periodMs = periodMs !== undefined && periodMs > 0 ? periodMs : undefined;
  }

  /**
   * Records that a tick happened in (loMs, hiMs] and returns the narrowest window (epoch ms) the observations so far
   * agree on for it.
   */
  locate(loMs: number, hiMs: number): { lo: number; hi: number } {
    let lo = loMs;
    let hi = hiMs;
    const period = this._periodMs;
    if (period !== undefined && hi - lo > 0) {
      const n = Math.min(this._count, HISTORY);
      for (let k = 1; k <= n; k++) {
        const slot = (this._count - k) % HISTORY;
        const oLo = this._lo[slot] ?? 0;
        const oHi = this._hi[slot] ?? 0;
        // Two windows together a period wide or more could hold two different ticks: which of its shifts to intersect
        // with is then ambiguous, and the wrong one would narrow the window onto the wrong place. Skip such a pair.
        if (hi - lo + (oHi - oLo) >= period) continue;
        const shift = Math.round(((lo + hi) / 2 - (oLo + oHi) / 2) / period) * period;
        const nLo = Math.max(lo, oLo + shift);
        const nHi = Math.min(hi, oHi + shift);
        if (nLo > nHi) break; // irregular ticks (or a drifting period): keep what the closer observations agree on
        lo = nLo;
        hi = nHi;
      }
      // What the observations agreed on is kept, not the raw window: a narrow window pins later ticks whose own
      // windows are too wide (with it) to be paired with the raw ones.
      const slot = this._count % HISTORY;
      this._lo[slot] = lo;
      this._hi[slot] = hi;
      this._count++;
    }
    return { lo, hi };
  }
}
