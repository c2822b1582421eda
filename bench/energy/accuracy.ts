// Accuracy of per-span joules against the exact truth of a power profile that changes faster than the counter.
// Ours (the timeline) vs the naive begin/end counter difference (what Zeus does), for spans of 0.1×–10× the tick;
// and ours when a span is finalised as it ends, before the data past its end has come (finalize 'immediate').
// Run: npx tsx bench/energy/accuracy.ts
//
// How it runs fast: no sleeping. A SimulatedEnergySource on a virtual clock is read by the in-thread sampler at the
// times a real sampler would read it — every 10 ms (two cases: 4 and 2 ms) with the sampler's ±20% dither (dithered-timer.ts) plus up to
// 0.5 ms of timer lateness — and the timeline ingests those readings exactly as in production.
import { startInProcessSampler } from '../../src/runtime/energy/sampler/sampler.js';
import { SimulatedEnergySource, type PowerProfile, type SimulatedDeviceOptions } from '../../src/runtime/energy/sources/simulated.js';
import { lcg, median, pct, printTable } from '../lib/table.js';

const ORIGIN = 1_700_000_000_000;
const DURATION_MS = 120_000;
const SPANS_PER_SIZE = 2000;

/** Shape of a piecewise-linear power profile: a new level every `holdMs`, reached by a 4 ms ramp. */
interface ProfileShape {
  readonly minWatts: number;
  readonly maxWatts: number;
  readonly minHoldMs: number;
  readonly maxHoldMs: number;
  /** Levels only at the two ends (idle or busy), not in between. */
  readonly onOff?: boolean;
}

/** Levels 80–400 W every 15–60 ms: the power changes several times within one 100 ms counter tick. */
const STEADY: ProfileShape = { minWatts: 80, maxWatts: 400, minHoldMs: 15, maxHoldMs: 60 };
/**
 * Bursty: on/off between idle (60 W) and TDP (700 W), each state held 10–60 ms, so whole tick intervals differ — the profile on which
 * the naive method shows the errors the issue quotes as its reference.
 */
const BURSTY: ProfileShape = { minWatts: 60, maxWatts: 700, minHoldMs: 10, maxHoldMs: 60, onOff: true };

/** GPU-like power of `shape`. Piecewise linear, so its integral is exact. */
function gpuLikeProfile(seed: number, shape: ProfileShape = STEADY): PowerProfile {
  const random = lcg(seed);
  const t: number[] = [ORIGIN - 1000];
  const w: number[] = [200];
  while ((t[t.length - 1] ?? 0) < ORIGIN + DURATION_MS + 2000) {
    const hold = shape.minHoldMs + random() * (shape.maxHoldMs - shape.minHoldMs);
    const last = t[t.length - 1] ?? 0;
    const r = random();
    const level = shape.minWatts + (shape.onOff ? (r < 0.5 ? 0 : 1) : r) * (shape.maxWatts - shape.minWatts);
    t.push(last + hold, last + hold + 4);
    w.push(w[w.length - 1] ?? 0, level);
  }
  const q: number[] = [0];
  for (let i = 1; i < t.length; i++) q.push((q[i - 1] ?? 0) + (((w[i - 1] ?? 0) + (w[i] ?? 0)) / 2) * (((t[i] ?? 0) - (t[i - 1] ?? 0)) / 1000));
  const index = (x: number): number => {
    let lo = 0;
    let hi = t.length - 2;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((t[mid] ?? 0) <= x) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const watts = (x: number): number => {
    const i = index(x);
    const t0 = t[i] ?? 0;
    const w0 = w[i] ?? 0;
    return w0 + (((w[i + 1] ?? 0) - w0) * (x - t0)) / ((t[i + 1] ?? 0) - t0);
  };
  const cumulative = (x: number): number => {
    const i = index(x);
    return (q[i] ?? 0) + ((w[i] ?? 0) + watts(x)) / 2 * ((x - (t[i] ?? 0)) / 1000);
  };
  return { watts, joules: (a, b) => cumulative(b) - cumulative(a) };
}

interface Case {
  readonly name: string;
  readonly device: SimulatedDeviceOptions;
  /** Next read time after `t`. */
  readonly nextRead: (t: number, random: () => number) => number;
  readonly tickMs: number;
}

const dithered = (t: number, random: () => number): number => t + 8 + 4 * random() + 0.5 * random();
/** A faster sampler (sleeping in Atomics.wait): the same ±20% dither, and wake-up lateness up to 0.2 ms. */
const ditheredEvery =
  (periodMs: number) =>
  (t: number, random: () => number): number =>
    t + periodMs * (0.8 + 0.4 * random()) + 0.2 * random();

const profile = gpuLikeProfile(42);
const bursty = gpuLikeProfile(42, BURSTY);
const CASES: Case[] = [
  { name: 'NVML-like: 100 ms counter + instantaneous power', device: { power: profile, counterPeriodMs: 100, counterPhaseMs: 37 }, nextRead: dithered, tickMs: 100 },
  {
    name: `NVML-like, bursty power (on/off ${BURSTY.minWatts}/${BURSTY.maxWatts} W, each held ${BURSTY.minHoldMs}–${BURSTY.maxHoldMs} ms): 100 ms counter + instantaneous power`,
    device: { power: bursty, counterPeriodMs: 100, counterPhaseMs: 37 },
    nextRead: dithered,
    tickMs: 100,
  },
  ...[4, 2].map((periodMs) => ({
    name: `The same bursty power, read every ${periodMs} ms (sampleIntervalMs: ${periodMs}): what is left at 10 ms is the step times the samples cannot see`,
    device: { power: bursty, counterPeriodMs: 100, counterPhaseMs: 37 },
    nextRead: ditheredEvery(periodMs),
    tickMs: 100,
  })),
  {
    name: 'NVML-like, power readings 4% high with ±15 W noise: 100 ms counter + instantaneous power',
    device: { power: profile, counterPeriodMs: 100, counterPhaseMs: 37, powerReadingError: { gain: 0.04, noiseWatts: 15 } },
    nextRead: dithered,
    tickMs: 100,
  },
  {
    name: 'NVML-like: 100 ms counter + 1 s average power only',
    device: { power: profile, counterPeriodMs: 100, counterPhaseMs: 37, powerReporting: 'average' },
    nextRead: dithered,
    tickMs: 100,
  },
  {
    name: 'powermetrics-like: one reading per 500 ms interval (energy of the interval, no power)',
    device: { power: profile, counterPeriodMs: 500, counterTimestamped: true, powerReporting: 'none' },
    // powermetrics delivers a reading at the end of each interval, stamped with that end.
    nextRead: (t) => ORIGIN + (Math.floor((t - ORIGIN) / 500) + 1) * 500,
    tickMs: 500,
  },
];

const SIZES = [0.1, 0.5, 1, 2, 10];

interface SpanWindow {
  readonly size: number;
  readonly t0: number;
  readonly t1: number;
}

/** The spans measured: SPANS_PER_SIZE per size at random offsets (the same in every case). */
function spanWindows(): SpanWindow[] {
  const spanRandom = lcg(99);
  const spans: SpanWindow[] = [];
  for (const size of SIZES) {
    const length = size * 100; // span lengths are multiples of the 100 ms NVML tick in every case
    for (let i = 0; i < SPANS_PER_SIZE; i++) {
      const t0 = ORIGIN + 5000 + spanRandom() * (DURATION_MS - 10_000 - length);
      spans.push({ size, t0, t1: t0 + length });
    }
  }
  return spans;
}

/**
 * Per-span errors of the timeline, each span read at the moment the processor would finalise it: `asItEnds` — as soon
 * as the sampler has read up to its end (finalize 'immediate', or 'auto' under load: the tail past the newest reading
 * extrapolated); otherwise once every device has reported past its end (what finalize 'exact' waits for).
 */
function errorsWhenFinalised(c: Case, spans: readonly SpanWindow[], asItEnds: boolean): Map<number, number[]> {
  let now = ORIGIN;
  const source = new SimulatedEnergySource({ devices: [c.device], now: () => now, originMs: ORIGIN });
  const sampler = startInProcessSampler([source], { manual: true, ringCapacity: 64 });
  const timeline = sampler.timeline;
  const random = lcg(7);
  let next = c.nextRead(now, random);
  const errors = new Map<number, number[]>(SIZES.map((size) => [size, []]));
  for (const span of [...spans].sort((a, b) => a.t1 - b.t1)) {
    while (asItEnds ? next <= span.t1 : !(timeline.coveredUntilAll() >= span.t1)) {
      now = next;
      sampler.sampleNow();
      timeline.sync();
      next = c.nextRead(now, random);
    }
    const truth = source.trueJoules(0, span.t0, span.t1);
    errors.get(span.size)?.push(Math.abs((timeline.joules(0, span.t0, span.t1) ?? 0) - truth) / truth);
  }
  void sampler.shutdown();
  return errors;
}

function run(c: Case): void {
  const source = new SimulatedEnergySource({ devices: [c.device], originMs: ORIGIN });
  const spans = spanWindows();
  const settled = errorsWhenFinalised(c, spans, false);
  const immediate = errorsWhenFinalised(c, spans, true);
  const rows: Array<Array<string | number>> = [];
  for (const size of SIZES) {
    const naive: number[] = [];
    let naiveZero = 0;
    for (const { t0, t1 } of spans.filter((s) => s.size === size)) {
      const truth = source.trueJoules(0, t0, t1);
      const n = source.counterJoules(0, t1) - source.counterJoules(0, t0);
      if (n === 0) naiveZero++;
      naive.push(Math.abs(n - truth) / truth);
    }
    const ours = settled.get(size) ?? [];
    const nm = median(naive);
    const om = median(ours);
    const early = immediate.get(size) ?? [];
    rows.push([
      `${size * 100} ms (${size}× ${c.tickMs === 100 ? 'tick' : '100 ms'})`,
      pct(nm),
      pct(Math.max(...naive)),
      pct(naiveZero / SPANS_PER_SIZE, 0),
      pct(om, 2),
      pct(Math.max(...ours), 2),
      om > 1e-6 ? `${(nm / om).toFixed(1)}×` : '> 1000×',
      pct(median(early), 2),
      pct(Math.max(...early), 2),
    ]);
  }
  printTable(c.name, ['span', 'naive median', 'naive worst', 'naive 0 J', 'ours median', 'ours worst', 'median gain', 'as it ends: median', 'as it ends: worst'], rows);
}

console.log(`${SPANS_PER_SIZE} spans per size at random offsets over ${DURATION_MS / 1000} s; relative error |J − truth| / truth.`);
for (const c of CASES) run(c);
