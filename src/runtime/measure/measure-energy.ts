/**
 * A bracket measurement without spans: the seed's `with monitor.sample() as s:` (OpenJarvis EnergyMonitor) as a
 * function. It runs `fn`, then reads what the devices drew from the energy timeline the sampler feeds — the same
 * numbers a span over `fn` would get, without a tracer.
 */
import { nowEpochMs } from '../energy/sources/clock.js';
import type { EnergySampler } from '../energy/sampler/sampler.js';
import { sharedEnergySampler } from '../energy/sampler/shared-sampler.js';
import type { EnergyTimeline } from '../energy/timeline/timeline.js';
import { startBracketCheckpoints, type BracketCheckpoints } from './bracket-checkpoints.js';
import { BracketTally } from './bracket-tally.js';
import { unmeasuredSample, type EnergySample } from './energy-sample.js';

/** Options of {@link measureEnergy}. */
export interface MeasureEnergyOptions {
  /**
   * The sampler to read. Default: the process-wide one ({@link sharedEnergySampler}, started on first use from the
   * environment, shared with startOpenJoules and EnergySpanProcessor).
   */
  readonly sampler?: EnergySampler | Promise<EnergySampler | undefined>;
  /** A timeline to read instead of a sampler's (an in-process sampler's, a test's). */
  readonly timeline?: EnergyTimeline;
  /**
   * Longest wait for the devices' data, ms, each time: before `fn`, for a sampler started just now to have its first
   * data; after `fn` settles, for every device to report past its end (an energy counter ticks every ~100 ms on NVIDIA
   * GPUs). Default 2000. Past it, or with 0, the ends are extrapolated and the sample says so (`extrapolated`).
   */
  readonly settleMs?: number;
}

/** What {@link measureEnergy} resolves to: `fn`'s result and the EnergySample of its run. */
export interface EnergyMeasurement<T> {
  readonly result: T;
  readonly sample: EnergySample;
}

const DEFAULT_SETTLE_MS = 2000;
const SETTLE_POLL_MS = 10;

/**
 * Runs `fn` and measures the energy its run took: the seed's EnergySample fields (energy, mean and peak power, GPU
 * utilization, memory and temperature, snapshots, per-component joules). Waits for the energy sampler to be ready and
 * to have data before starting `fn` (the first call in a process starts it), and after `fn` until the devices have
 * reported past its end (each wait at most `settleMs`). A run of any length is measured: while `fn` runs, the bracket is
 * read in chunks (about every second) while each is still in the timeline's bounded history, and the chunks combined.
 *
 * Everything the devices drew counts, whatever else ran meanwhile (the seed's monitor reads whole devices too); spans
 * are what split energy between concurrent work. Without an energy source the sample has `measured: false` and zeros.
 * Never throws of its own; `fn`'s own error is passed on as it is.
 *
 * @example
 * const { result, sample } = await measureEnergy(() => model.generate(prompt));
 * console.log(`${sample.energy_joules} J, ${sample.mean_utilization_pct} % busy`);
 */
export async function measureEnergy<T>(fn: () => T | PromiseLike<T>, options: MeasureEnergyOptions = {}): Promise<EnergyMeasurement<T>> {
  const timeline = await timelineOf(options);
  const settleMs = options.settleMs ?? DEFAULT_SETTLE_MS;
  // A sampler started just now has devices but no counter tick yet: the bracket would start before its data.
  if (timeline) await waitQuietly(timeline, () => timeline.coveredUntilAll() > -Infinity, settleMs);
  const t0 = nowEpochMs();
  timeline?.requestReading(); // a reading at each edge of the bracket, as at a span's (timeline.ts)
  // Longer brackets than the timeline's history are read in chunks as they run (bracket-tally.ts).
  const tally = timeline ? new BracketTally(timeline, t0) : undefined;
  const checkpoints = timeline && tally ? startCheckpointsQuietly(timeline, tally) : undefined;
  let result: T;
  try {
    result = await fn();
  } finally {
    checkpoints?.stop();
  }
  const t1 = nowEpochMs();
  timeline?.requestReading();
  if (!timeline || !tally) return { result, sample: unmeasuredSample((t1 - t0) / 1000) };
  try {
    await waitQuietly(timeline, () => timeline.coveredUntilAll() >= t1, settleMs);
    tally.addUntil(t1);
    return { result, sample: tally.sample() ?? unmeasuredSample((t1 - t0) / 1000) };
  } catch {
    // A timeline that fails to answer leaves the measurement empty, never the caller's result lost.
    return { result, sample: unmeasuredSample((t1 - t0) / 1000) };
  }
}

/** The timeline to read; undefined when there is no energy source. Never rejects. */
async function timelineOf(options: MeasureEnergyOptions): Promise<EnergyTimeline | undefined> {
  if (options.timeline) return options.timeline;
  try {
    const sampler = await (options.sampler ?? sharedEnergySampler());
    return sampler && sampler.timeline.devices.length > 0 ? sampler.timeline : undefined;
  } catch {
    return undefined;
  }
}

/** Waits until `done()` (checked every few ms), for at most `maxMs`; never rejects. */
async function waitQuietly(timeline: EnergyTimeline, done: () => boolean, maxMs: number): Promise<void> {
  const deadline = nowEpochMs() + Math.max(0, maxMs);
  try {
    while (!done() && nowEpochMs() < deadline) await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS));
  } catch {
    syncQuietly(timeline);
  }
}

/** The checkpoint timer, or none when it cannot start (the bracket is then read in one window at its end). */
function startCheckpointsQuietly(timeline: EnergyTimeline, tally: BracketTally): BracketCheckpoints | undefined {
  try {
    return startBracketCheckpoints(timeline, tally);
  } catch {
    return undefined;
  }
}

function syncQuietly(timeline: EnergyTimeline): void {
  try {
    timeline.sync();
  } catch {
    // Read again at the end; nothing to report from a timer.
  }
}
