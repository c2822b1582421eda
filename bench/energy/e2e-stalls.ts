// Host stalls seen during an end-to-end accuracy run. On a small shared host both the sampler's worker and the agent's
// thread are sometimes descheduled for tens of ms: the sampler then takes no reading (the timeline interpolates across
// the gap) and spans are timed late. Those spans measure the host, not the method, so the benchmark reports its worst
// cases with and without them. A stall is a gap between two of the sampler's readings longer than 2.5 sampling
// periods, or a 2 ms timer on this thread firing more than 4 ms late. Shorter stalls of the worker matter too where
// they hold up a reading asked for at a span's edge: no reading within EDGE_READ_LATE_MS after an edge is counted as
// a stall of that edge (a 1 ms counter then has ticks unread on both sides of a power step).
import type { EnergySampler } from '../../src/runtime/energy/sampler/sampler.js';

/**
 * An edge's reading later than this, ms, is a stall. The monitor sees the newest reading every 2 ms, so a reading
 * 2–4 ms after an edge can be hidden by the next one and count too.
 */
const EDGE_READ_LATE_MS = 4;

/** Watches for stalls until stopped; windows are epoch ms on the readings' clock. */
export class StallMonitor {
  private readonly _windows: Array<[number, number]> = [];
  /** Every reading time seen, in order (epoch ms). */
  private readonly _readings: number[] = [];
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
      if (r !== this._lastReadingMs && Number.isFinite(r)) this._readings.push(r);
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

  /** Whether no reading was seen within EDGE_READ_LATE_MS after epoch ms t (the worker held up at a span's edge). */
  edgeReadLate(t: number): boolean {
    const r = this._readings;
    let lo = 0;
    let hi = r.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (r[mid]! <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo < r.length && r[lo]! - t > EDGE_READ_LATE_MS;
  }

  /** Reading times seen within `ms` of epoch ms t, relative to t (for --show-worst). */
  readingsNear(t: number, ms: number): number[] {
    return this._readings.filter((r) => Math.abs(r - t) <= ms).map((r) => r - t);
  }

  stop(): void {
    clearInterval(this._timer);
  }
}
