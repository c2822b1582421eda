/**
 * Measures, at start-up, how often a driver's readings really change: the energy counter's tick period (and the phase
 * of its ticks), and how often the instantaneous power reading refreshes. Vendors do not document either (NVML's
 * "≈100 ms" is Zeus' measurement, not NVIDIA's; ROCm's gpu_metrics refresh is undocumented), so the sources poll their
 * readings back to back for a moment, off the span path, and say what they saw.
 *
 * A change seen between two consecutive polls happened somewhere between them: its time is taken as their midpoint,
 * known to half the polling gap. The tick period is the least-squares slope of those change times against their tick
 * numbers, which are found from the median gap between changes (so a tick that showed no change, at 0 W, does not
 * throw the count off).
 */

/** One reading to poll: returns a number that changes when the driver updates it, or undefined when it failed. */
export type ProbeChannel = () => number | undefined;

/** How long to poll. */
export interface ProbeBudget {
  /** Longest the whole probe may take, ms. */
  readonly maxMs: number;
  /** Give up early when no channel has changed at all by then, ms (an idle or frozen device). */
  readonly quietMs: number;
  /** Sharply timed changes per channel after which that channel is done (once `minMs` has passed). */
  readonly changes: number;
  /** Shortest probe, ms: a fast counter is polled this long anyway, so its period is fitted over many ticks. */
  readonly minMs: number;
}

/** What the probe saw of one channel. */
export interface ChannelTiming {
  /** Epoch ms (nowEpochMs) of every change seen sharply (between two polls close together; see {@link probeChannels}). */
  readonly changeTimesMs: readonly number[];
  /** Changes seen only across a long gap between polls (the thread was descheduled): left out of changeTimesMs. */
  readonly blurred: number;
  /** Of those, how many came between the first and the last sharp change: there were ticks there too. */
  readonly blurredBetween: number;
  /** Median duration of one call of the channel, ms (NaN when it never answered). */
  readonly callMs: number;
  /**
   * Every change seen across a long gap, as [time, half the gap] (ms): too blurred for a fast counter, still sharp
   * enough for a slow one (a 2 ms gap is 1% of a 100 ms period).
   */
  readonly blurredChanges?: ReadonlyArray<readonly [number, number]>;
  /** Whether most polls saw a new value: a reading that moves at every call (no tick to speak of). */
  readonly continuous?: boolean;
}

/**
 * Default budget: four sharp ticks of a 100 ms counter, 100 ms of a fast one, at most half a second: the probe runs
 * before the sampler is ready, and spans that start before then carry no joules (a host preload that cannot wait).
 */
export const DEFAULT_PROBE_BUDGET: ProbeBudget = { maxMs: 500, quietMs: 150, changes: 4, minMs: 100 };

/** Most change times kept per channel. */
const MAX_CHANGES = 256;
/**
 * A change counts as sharp when the polls around it are at most this far apart, ms (or 5× the usual gap if wider).
 * Not tighter: on a small busy host the thread is often preempted right when a value changes (by whatever changed it).
 */
const SHARP_GAP_MS = 0.25;

/**
 * Polls every channel in turn, back to back, until each has shown `budget.changes` sharp changes (and `minMs` has
 * passed) or the budget is spent. A change is sharp when the two polls around it came close together; on a busy host
 * the thread is sometimes descheduled for milliseconds between two polls, and a change seen across such a gap says
 * little about when it happened, so it is counted but not timed.
 */
export function probeChannels(channels: readonly ProbeChannel[], now: () => number, budget: ProbeBudget = DEFAULT_PROBE_BUDGET): ChannelTiming[] {
  const n = channels.length;
  const last = new Float64Array(n).fill(NaN);
  const lastAt = new Float64Array(n).fill(NaN);
  const times: number[][] = channels.map(() => []);
  const blurred = new Uint32Array(n);
  const blurredSinceSharp = new Uint32Array(n);
  const blurredBetween = new Uint32Array(n);
  const blurredChanges: Array<Array<[number, number]>> = channels.map(() => []);
  const calls: number[][] = channels.map(() => []);
  const polls = new Uint32Array(n);
  const moved = new Uint32Array(n);
  const gaps: number[] = [];
  const start = now();
  let anyChange = false;
  for (;;) {
    const t0 = now();
    const elapsed = t0 - start;
    if (elapsed >= budget.maxMs || (!anyChange && elapsed >= budget.quietMs)) break;
    let waiting = false;
    for (let c = 0; c < n; c++) {
      const seen = times[c]!;
      if (seen.length >= MAX_CHANGES || (seen.length >= budget.changes && elapsed >= budget.minMs)) continue;
      waiting = true;
      // The value is the driver's at some instant during the call: a change lies between the start of the previous
      // call and the end of this one.
      const before = now();
      const value = channels[c]!();
      const t = now();
      if (value === undefined || !Number.isFinite(value)) continue;
      if (calls[c]!.length < 64) calls[c]!.push(t - before);
      const previous = last[c]!;
      if (!Number.isNaN(previous)) {
        polls[c]!++;
        if (value !== previous) moved[c]!++;
      }
      const gap = t - lastAt[c]!;
      if (gaps.length < 64 && gap > 0) gaps.push(gap);
      if (!Number.isNaN(previous) && value !== previous) {
        anyChange = true;
        if (gap <= Math.max(SHARP_GAP_MS, 5 * (gaps.length > 8 ? medianOf(gaps) : 0))) {
          seen.push(t - gap / 2);
          if (seen.length > 1) blurredBetween[c]! += blurredSinceSharp[c]!;
          blurredSinceSharp[c] = 0;
        } else {
          blurred[c]!++;
          blurredSinceSharp[c]!++;
          if (blurredChanges[c]!.length < MAX_CHANGES) blurredChanges[c]!.push([t - gap / 2, gap / 2]);
        }
      }
      last[c] = value;
      lastAt[c] = before;
    }
    if (!waiting) break;
  }
  return times.map((changeTimesMs, c) => ({
    changeTimesMs,
    blurred: blurred[c]!,
    blurredBetween: blurredBetween[c]!,
    blurredChanges: blurredChanges[c]!,
    callMs: calls[c]!.length > 0 ? medianOf(calls[c]!) : NaN,
    continuous: polls[c]! >= 8 && moved[c]! > polls[c]! / 2,
  }));
}

/** A regular tick: its period and the time of one tick (epoch ms). */
export interface TickFit {
  readonly periodMs: number;
  readonly phaseMs: number;
}

/**
 * Fits a regular tick to change times: undefined with fewer than three changes that agree. Robust to changes timed
 * wrong (a value updated late, read half-written): among candidate periods — the shortest gaps between changes and
 * their whole fractions, since ticks that went unseen make gaps of several periods — it keeps the one most changes
 * agree with (to a tenth of a period), the longest when several fit equally well (half of a period fits every change
 * the period does) and leave room for `untimed` more changes seen between the first and the last (changes seen only
 * blurred still say a tick happened: with every other tick blurred, twice the period would fit the rest), then fits
 * period and phase to those changes by least squares.
 */
export function fitTicks(changes: readonly number[], untimed = 0): TickFit | undefined {
  // A second change right after one (a value read half-written, a glitch) is not a tick of its own.
  const times = changes.filter((t, i) => i === 0 || t - changes[i - 1]! >= SHARP_GAP_MS);
  const n = times.length;
  if (n < 3) return undefined;
  const gaps: number[] = [];
  for (let i = 1; i < n; i++) gaps.push(times[i]! - times[i - 1]!);
  const candidates = [...gaps]
    .sort((a, b) => a - b)
    .slice(0, 5)
    .flatMap((g) => [1, 2, 3, 4, 5, 6, 7, 8].map((m) => g / m))
    .filter((p) => p >= SHARP_GAP_MS);
  const span = times[n - 1]! - times[0]!;
  const fits = candidates
    .filter((period) => span / period + 1.25 >= n + untimed)
    .map((period) => fitWithPeriod(times, gaps, period))
    .filter((f): f is FittedTicks => f !== undefined);
  const most = Math.max(0, ...fits.map((f) => f.inliers));
  let best: FittedTicks | undefined;
  for (const f of fits) if (f.inliers >= 0.9 * most && (!best || f.fit.periodMs > best.fit.periodMs)) best = f;
  // Most changes must agree: a tenth of a period either way, 20% of random times would agree with any period by chance.
  if (!best || best.inliers < 3 || best.inliers < 0.75 * n) return undefined;
  return best.fit;
}

interface FittedTicks {
  readonly fit: TickFit;
  readonly inliers: number;
}

/**
 * Ticks fitted starting from a candidate period: tick numbers counted gap by gap (so a candidate a little off still
 * counts far ticks right), least squares, then twice more over the changes within a tenth of a period of the fit.
 */
function fitWithPeriod(times: readonly number[], gaps: readonly number[], period: number): FittedTicks | undefined {
  const ks = [0];
  for (const gap of gaps) {
    const k = Math.round(gap / period);
    if (k < 1) return undefined;
    ks.push(ks[ks.length - 1]! + k);
  }
  const agreeing = (fit: TickFit): number[] =>
    times.flatMap((t, i) => (Math.abs(t - fit.phaseMs - ks[i]! * fit.periodMs) <= fit.periodMs / 10 ? [i] : []));
  let fit = leastSquares(times, ks, times.length);
  for (let pass = 0; pass < 2 && fit; pass++) {
    const kept = agreeing(fit);
    if (kept.length < 3) return undefined;
    fit = leastSquares(
      kept.map((i) => times[i]!),
      kept.map((i) => ks[i]!),
      kept.length,
    );
  }
  if (!fit) return undefined;
  // Gaps of one tick say the period directly: a fit far from their median counted ticks wrong somewhere.
  const single = gaps.filter((g) => Math.round(g / fit.periodMs) === 1);
  if (single.length >= 3 && Math.abs(medianOf(single) - fit.periodMs) > 0.02 * fit.periodMs) return undefined;
  return { fit, inliers: agreeing(fit).length };
}

/** t = phase + k · period over the first n points. */
function leastSquares(t: readonly number[], ks: readonly number[], n: number): TickFit | undefined {
  let meanK = 0;
  let meanT = 0;
  for (let i = 0; i < n; i++) {
    meanK += ks[i]! / n;
    meanT += t[i]! / n;
  }
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (ks[i]! - meanK) ** 2;
    sxy += (ks[i]! - meanK) * (t[i]! - meanT);
  }
  if (!(sxx > 0) || !(sxy > 0)) return undefined;
  const periodMs = sxy / sxx;
  return { periodMs, phaseMs: meanT - periodMs * meanK };
}

/**
 * The instantaneous power reading's refresh period, at most: changes can only come at refreshes, so the shortest gap
 * between two of them is one refresh period or a few. Undefined with fewer than three changes.
 */
export function refreshUpperBoundMs(timing: ChannelTiming): number | undefined {
  const t = timing.changeTimesMs;
  if (t.length < 3) return undefined;
  let min = Infinity;
  for (let i = 1; i < t.length; i++) min = Math.min(min, t[i]! - t[i - 1]!);
  return min;
}

function medianOf(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The DeviceInfo fields a probe measured: the counter period when its ticks were regular, the power refresh bound. */
export function measuredTiming(
  counter: ChannelTiming | undefined,
  power: ChannelTiming | undefined,
): { counterPeriodMs?: number; counterPeriodMeasured?: true; counterPhaseMs?: number; powerRefreshMs?: number } {
  // A counter that moves at every call has no tick: period 0, exact at every read.
  if (counter?.continuous) return { counterPeriodMs: 0, counterPeriodMeasured: true, ...measuredTiming(undefined, power) };
  const fit = counter ? fitTiming(counter) : undefined;
  // A reading that changes at every refresh refreshes regularly, like a tick; else the shortest gap bounds it; one that
  // moves at every call refreshes at every call (0).
  const refresh = power?.continuous
    ? 0
    : power
      ? (fitTiming(power)?.periodMs ?? refreshUpperBoundMs(power))
      : undefined;
  return {
    ...(fit ? { counterPeriodMs: fit.periodMs, counterPeriodMeasured: true as const, counterPhaseMs: fit.phaseMs } : {}),
    ...(refresh !== undefined ? { powerRefreshMs: refresh } : {}),
  };
}

/**
 * Fits a channel's ticks from its sharp changes; failing that (a busy host blurs many), from the changes seen within
 * looser gaps, accepted only when the period found is at least 40 times the looseness.
 */
function fitTiming(timing: ChannelTiming): TickFit | undefined {
  const sharp = fitTicks(timing.changeTimesMs, timing.blurredBetween);
  if (sharp) return sharp;
  const blurred = timing.blurredChanges ?? [];
  for (const halfGapMs of [0.5, 1, 2.5]) {
    const all = [...timing.changeTimesMs.map((t) => [t, 0] as const), ...blurred].sort((a, b) => a[0] - b[0]);
    const kept = all.filter(([, half]) => half <= halfGapMs);
    if (kept.length < 3) continue;
    const first = kept[0]![0];
    const last = kept[kept.length - 1]![0];
    const untimed = all.filter(([t, half]) => half > halfGapMs && t > first && t < last).length;
    const fit = fitTicks(kept.map(([t]) => t), untimed);
    if (fit && fit.periodMs >= 40 * halfGapMs) return fit;
  }
  return undefined;
}
