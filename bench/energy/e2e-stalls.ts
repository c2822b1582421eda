// Host stalls seen during an end-to-end accuracy run. On a small shared host both the sampler's worker and the agent's
// thread are sometimes descheduled for tens of ms: the sampler then takes no reading (the timeline interpolates across
// the gap) and spans are timed late. Those spans measure the host, not the method, so the benchmark reports its worst
// cases with and without them. A stall is a gap between two of the sampler's readings longer than 2.5 sampling
// periods, or a 2 ms timer on this thread firing more than 4 ms late.
import type { EnergySampler } from '../../src/runtime/energy/sampler/sampler.js';

/** Watches for stalls until stopped; windows are epoch ms on the readings' clock. */
export class StallMonitor {
  private readonly _windows: Array<[number, number]> = [];
  private readonly _timer: ReturnType<typeof setInterval>;
  private _lastReadingMs = NaN;
  private _lastTickMs: number;

  constructor(sampler: EnergySampler, sampleIntervalMs: number) {
    const now = (): number => performance.timeOrigin + performance.now();
    this._lastTickMs = now();
    this._timer = setInterval(() => {
      const t = now();
      if (t - this._lastTickMs > 6) this._windows.push([this._lastTickMs, t]);
      this._lastTickMs = t;
      const reading = sampler.latestReadings()[0]?.reading;
      const r = reading?.timeMs ?? NaN;
      if (r !== this._lastReadingMs) {
        if (r - this._lastReadingMs > 2.5 * sampleIntervalMs) this._windows.push([this._lastReadingMs, r]);
        this._lastReadingMs = r;
      }
    }, 2);
  }

  /** Whether [t0, t1] (epoch ms) overlaps a stall. */
  overlaps(t0: number, t1: number): boolean {
    return this._windows.some(([a, b]) => a <= t1 && b >= t0);
  }

  stop(): void {
    clearInterval(this._timer);
  }
}
