// End-to-end accuracy of per-span joules through the real path: C doubles with the drivers' ABI (and a temp sysfs tree,
// and the powermetrics stand-in) follow a hidden power profile that changes faster than their counters; the sampler's
// worker loads them through koffi (startEnergySampler); spans timed by the OpenTelemetry SDK (TracerProvider from
// @opentelemetry/sdk-trace) go through the EnergySpanProcessor to an in-memory exporter. Each span's joules are compared
// with the exact integral of the profile over the span's own [start, end]; the naive begin/end counter difference
// (what Zeus does), read from a second instance of the same source on this thread, is the baseline in the same run.
// Run: npm run bench:accuracy-e2e [-- --seconds 40 --only nvml-instant,rocm-20ms-current --interval 10,5 --edge-gap 0,1 --show-worst 5]
// (--interval: the sampler's period for every case, ms, several comma-separated to run each case at each in turn;
// without it each case's own, 10 ms but for the one row sampled every 2 ms. --edge-gap: the least gap between readings
// asked for at span edges, ms, 0 for none, several to run each case at each; without it the default, 1 ms.)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hrTimeToMilliseconds } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { startEnergySampler } from '../../src/runtime/energy/sampler/sampler.js';
import { ATTR_ENERGY_METHOD } from '../../src/semconv.js';
import { EnergySpanProcessor } from '../../src/runtime/span-processor/energy-span-processor.js';
import { joulesAt, joulesBetween, type PowerProfileData } from '../../test/doubles/power-profile.mjs';
import { median, pct, printTable } from '../lib/table.js';
import { BACKEND_CASES, sampledEvery, withEdgeReadGap, type BackendCase, type MeasuredPart, type PreparedBackend } from './e2e-backends.js';
import { NaiveCounters, runSpanLanes, SPAN_BUCKETS_MS, type SpanRecord } from './e2e-spans.js';
import { StallMonitor } from './e2e-stalls.js';
import { DEFAULT_EDGE_READ_GAP_MS } from '../../src/runtime/energy/sources/config.js';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const RUN_MS = Number(option('seconds') ?? 40) * 1000;
const ONLY = option('only')?.split(',');
const INTERVALS_MS = option('interval')?.split(',').map(Number);
const EDGE_GAPS_MS = option('edge-gap')?.split(',').map(Number);
/** --show-worst N: the N worst spans of two periods or more with the host steady, per part, to look into. */
const SHOW_WORST = Number(option('show-worst') ?? 0);
if (EDGE_GAPS_MS?.some((ms) => !(ms >= 0 && ms <= 1000))) throw new Error(`--edge-gap: "${option('edge-gap')}" is not a list of ms between 0 and 1000`);
if (INTERVALS_MS?.some((ms) => !(ms >= 1 && ms <= 1000))) throw new Error(`--interval: "${option('interval')}" is not a list of ms between 1 and 1000`);
/** Time the sampler runs before the first span: its tick location and calibration settle within it. */
const WARMUP_MS = 3000;
/** Allowance for the sampler to start (detection, opening the source) before the warm-up. */
const STARTUP_MS = 1500;
/**
 * Spans whose start is known less well than this (ms: the thread was descheduled between the hrtime reads around
 * startSpan) are left out: their truth is not known well enough to score them.
 */
const MAX_BRACKET_MS = 0.1;

interface PartErrors {
  readonly ours: Map<number, number[]>;
  /** Ours, leaving out spans that overlap a host stall (e2e-stalls.ts). */
  readonly steady: Map<number, number[]>;
  readonly naive: Map<number, number[]>;
  /** The counter alone at its best: exact at every tick, a straight line between ticks (no power reading). */
  readonly ticksOnly: Map<number, number[]>;
  /** Spans whose window holds the counter's wrap: [ours, naive] errors. */
  readonly acrossWrap: Array<[number, number]>;
}

interface CaseResult {
  readonly backend: BackendCase;
  readonly parts: ReadonlyArray<{ part: MeasuredPart; errors: PartErrors }>;
  readonly spans: number;
  readonly estimates: number;
  /** Spans left out because their start was not known to MAX_BRACKET_MS. */
  readonly unscored: number;
  /** Spans that overlapped a host stall (or had an edge where the stand-in showed a stale counter). */
  readonly stalled: number;
  /** Spans with an edge where the stand-in showed a stale counter (PreparedBackend.standInStale). */
  readonly staleEdges: number;
  /** Spans with an edge whose reading the worker made more than a few ms late (e2e-stalls.ts). */
  readonly lateEdges: number;
}

async function runCase(backend: BackendCase): Promise<CaseResult | undefined> {
  const dir = mkdtempSync(join(tmpdir(), `oj-e2e-${backend.key}-`));
  const originNs = process.hrtime.bigint();
  const prepared = await backend.prepare({
    dir,
    originNs,
    profileMs: STARTUP_MS + WARMUP_MS + RUN_MS + 15_000,
    wrapAtMs: STARTUP_MS + WARMUP_MS + RUN_MS / 2,
  });
  const sampler = await startEnergySampler(prepared.config);
  try {
    const status = sampler.status();
    if (status.devices.length === 0) {
      console.log(`\n${backend.title}: NOT MEASURED — ${[...status.unavailable.map((u) => `${u.source}: ${u.reason}`), ...status.faults].join('; ')}`);
      return undefined;
    }
    for (const d of status.devices) {
      const period = d.counterPeriodMs === undefined ? 'unknown' : `${d.counterPeriodMs.toFixed(3)} ms${d.counterPeriodMeasured ? ' (measured)' : ' (assumed)'}`;
      const refresh = d.powerRefreshMs === undefined ? '' : `, power refresh ≤ ${d.powerRefreshMs.toFixed(3)} ms`;
      console.log(`  ${backend.key}: ${d.id} counter period ${period}${refresh}`);
    }
    const naive = new NaiveCounters(await prepared.openNaive());
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({
      spanProcessors: [new EnergySpanProcessor({ timeline: sampler.timeline, next: new SimpleSpanProcessor({ exporter }) })],
    });
    // powermetrics' readings come once per interval, not once per sample.
    const readingIntervalMs = backend.key === 'powermetrics' ? backend.counterPeriodMs : prepared.config.sampleIntervalMs;
    const stalls = new StallMonitor(sampler, readingIntervalMs);
    try {
      await sleep(WARMUP_MS);
      const records = await runSpanLanes(provider.getTracer('accuracy-e2e'), naive, RUN_MS, 1000);
      await provider.forceFlush();
      const faults = sampler.status().faults;
      if (faults.length > 0) console.log(`  (${backend.key} faults: ${faults.join('; ')})`);
      return score(backend, prepared, records, exporter.getFinishedSpans(), originNs, stalls);
    } finally {
      stalls.stop();
      await provider.shutdown();
      naive.close();
    }
  } finally {
    await sampler.shutdown();
    prepared.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function score(
  backend: BackendCase,
  prepared: PreparedBackend,
  records: readonly SpanRecord[],
  spans: readonly ReadableSpan[],
  originNs: bigint,
  stalls: StallMonitor,
): CaseResult {
  const { parts, wrapAtMs } = prepared;
  const stale = new StaleWindows(prepared.standInStale?.() ?? []);
  // Profile ms → the readings' epoch ms (both clocks are CLOCK_MONOTONIC underneath).
  const epochOfProfile = performance.timeOrigin - (Number(process.hrtime.bigint() - originNs) / 1e6 - performance.now());
  const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
  const results = parts.map((part) => ({
    part,
    errors: {
      ours: new Map<number, number[]>(SPAN_BUCKETS_MS.map((b) => [b, []])),
      steady: new Map<number, number[]>(SPAN_BUCKETS_MS.map((b) => [b, []])),
      naive: new Map<number, number[]>(SPAN_BUCKETS_MS.map((b) => [b, []])),
      ticksOnly: new Map<number, number[]>(SPAN_BUCKETS_MS.map((b) => [b, []])),
      acrossWrap: [] as Array<[number, number]>,
    },
  }));
  let estimates = 0;
  let unscored = 0;
  let stalled = 0;
  let staleEdges = 0;
  let lateEdges = 0;
  // With readings at span edges on (the default), one held up past an edge is a stall of the worker there.
  const edgeReadings = (prepared.config.edgeReadGapMs ?? DEFAULT_EDGE_READ_GAP_MS) > 0;
  let scored = 0;
  const worstSteady: Array<{ label: string; error: number; startMs: number; endMs: number; staleNear: number }> = [];
  for (const record of records) {
    const span = byId.get(record.spanId);
    if (!span) continue;
    if (Number(record.afterStartNs - record.beforeStartNs) / 1e6 > MAX_BRACKET_MS) {
      unscored++;
      continue;
    }
    scored++;
    if (span.attributes[ATTR_ENERGY_METHOD] === 'estimate') estimates++;
    // The span's start lies between the two hrtime reads around startSpan; its duration is the SDK's own.
    const startMs = Number((record.beforeStartNs + record.afterStartNs) / 2n - originNs) / 1e6;
    const endMs = startMs + hrTimeToMilliseconds(span.duration);
    const standInStale = stale.holds(startMs) || stale.holds(endMs);
    if (standInStale) staleEdges++;
    const edgeReadLate = edgeReadings && (stalls.edgeReadLate(startMs + epochOfProfile) || stalls.edgeReadLate(endMs + epochOfProfile));
    if (edgeReadLate) lateEdges++;
    const hostStalled = standInStale || edgeReadLate || stalls.overlaps(startMs + epochOfProfile, endMs + epochOfProfile);
    if (hostStalled) stalled++;
    for (const { part, errors } of results) {
      const truth = joulesBetween(part.profile, startMs, endMs);
      const value = span.attributes[part.attribute];
      const ours = typeof value === 'number' ? Math.abs(value - truth) / truth : Infinity;
      const naiveJoules = (record.naiveEnd[part.naiveDevice] ?? NaN) - (record.naiveStart[part.naiveDevice] ?? NaN);
      const naive = Number.isNaN(naiveJoules) ? Infinity : Math.abs(naiveJoules - truth) / truth;
      errors.ours.get(record.bucketMs)?.push(ours);
      if (!hostStalled) errors.steady.get(record.bucketMs)?.push(ours);
      if (!hostStalled && SHOW_WORST > 0 && record.bucketMs >= 2 * backend.counterPeriodMs) {
        worstSteady.push({ label: part.label, error: ours, startMs, endMs, staleNear: stale.nearest(startMs, endMs) });
      }
      errors.naive.get(record.bucketMs)?.push(naive);
      if (backend.counterPhaseMs !== undefined) {
        const line = (t: number): number => tickLineJoules(part.profile, backend.counterPeriodMs, backend.counterPhaseMs!, t);
        errors.ticksOnly.get(record.bucketMs)?.push(Math.abs(line(endMs) - line(startMs) - truth) / truth);
      }
      if (part.wraps && wrapAtMs !== undefined && startMs <= wrapAtMs && endMs >= wrapAtMs) errors.acrossWrap.push([ours, naive]);
    }
  }
  if (SHOW_WORST > 0) {
    worstSteady.sort((a, b) => b.error - a.error);
    for (const w of worstSteady.slice(0, SHOW_WORST)) {
      console.log(
        `  worst, host steady: ${backend.key} ${w.label} ${pct(w.error, 2)} over [${w.startMs.toFixed(3)}, ${w.endMs.toFixed(3)}] ms ` +
          `(profile time; the stand-in's nearest late write ${w.staleNear.toFixed(2)} ms from an edge)`,
      );
      for (const edge of [w.startMs, w.endMs]) {
        const near = stalls.readingsNear(edge + epochOfProfile, 4).map((d) => d.toFixed(2));
        console.log(`    readings seen near the edge at ${edge.toFixed(3)}, ms from it: ${near.join(' ') || 'none'}`);
      }
    }
  }
  return { backend, parts: results, spans: scored, estimates, unscored, stalled, staleEdges, lateEdges };
}

/** Cumulative joules at `t` (profile ms) as the counter alone knows them at best: exact at its ticks, straight between. */
function tickLineJoules(profile: PowerProfileData, periodMs: number, phaseMs: number, t: number): number {
  const before = phaseMs + Math.floor((t - phaseMs) / periodMs) * periodMs;
  const a = joulesAt(profile, before);
  return a + ((joulesAt(profile, before + periodMs) - a) * (t - before)) / periodMs;
}

/** Profile-time windows where a stand-in showed a stale counter, for "does this time fall in one". */
class StaleWindows {
  private readonly _windows: Array<[number, number]>;

  constructor(windows: Array<[number, number]>) {
    this._windows = windows;
  }

  /** How far the nearest window is from either of two times, ms (Infinity when there is none). */
  nearest(a: number, b: number): number {
    let best = Infinity;
    for (const [lo, hi] of this._windows) {
      for (const t of [a, b]) best = Math.min(best, t < lo ? lo - t : t > hi ? t - hi : 0);
    }
    return best;
  }

  holds(t: number): boolean {
    // A few dozen windows a run, some long (the writer descheduled for tens of ms): a plain scan.
    return this._windows.some(([lo, hi]) => lo <= t && t <= hi);
  }
}

function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function worst(xs: readonly number[]): number {
  return xs.length === 0 ? NaN : Math.max(...xs);
}

function printCase(result: CaseResult): void {
  const { backend } = result;
  for (const { part, errors } of result.parts) {
    const rows = SPAN_BUCKETS_MS.map((bucket) => {
      const ours = errors.ours.get(bucket) ?? [];
      const steady = errors.steady.get(bucket) ?? [];
      const naive = errors.naive.get(bucket) ?? [];
      const ticksOnly = errors.ticksOnly.get(bucket) ?? [];
      const periods = bucket / backend.counterPeriodMs;
      return [
        `${bucket} ms (${periods >= 1 ? periods.toFixed(0) : periods.toFixed(2)}× period)`,
        ours.length,
        pct(median(naive), 1),
        pct(worst(naive), 1),
        pct(median(ours), 2),
        pct(worst(ours), 2),
        steady.length >= 10 ? pct(worst(steady), 2) : '–',
        ticksOnly.length ? pct(worst(ticksOnly), 2) : '–',
        median(ours) > 0 ? `${(median(naive) / median(ours)).toFixed(0)}×` : '∞',
      ];
    });
    for (const [label, list] of [['across the wrap', errors.acrossWrap]] as const) {
      if (list.length === 0) continue;
      rows.push([label, list.length, '', pct(worst(list.map((e) => e[1])), 1), '', pct(worst(list.map((e) => e[0])), 2), '', '', '']);
    }
    const title = `${backend.title}${result.parts.length > 1 ? ` — ${part.label}` : ''}`;
    printTable(title, ['span', 'n', 'naive median', 'naive worst', 'ours median', 'ours worst', 'worst, host steady', 'counter alone, worst', 'median gain'], rows);
  }
  console.log(
    `  ${result.spans} spans scored (start known to ±${MAX_BRACKET_MS * 500} µs; ${result.unscored} left out, the thread descheduled ` +
      `around startSpan); ${result.stalled} overlapped a host stall${result.staleEdges ? ` (${result.staleEdges} of them an edge where the stand-in's writer ran late)` : ''}${result.lateEdges ? ` (${result.lateEdges} an edge whose reading came > 4 ms late)` : ''}; ${result.estimates} finalised as estimates`,
  );
}

/** The goal, per part: median ≤ 1% and worst ≤ 3% from two counter periods; median ≤ 1% below one where power is instantaneous. */
function printSummary(results: readonly CaseResult[]): void {
  const rows: Array<Array<string | number>> = [];
  for (const { backend, parts } of results) {
    for (const { part, errors } of parts) {
      const long = SPAN_BUCKETS_MS.filter((b) => b >= 2 * backend.counterPeriodMs).flatMap((b) => errors.ours.get(b) ?? []);
      const longSteady = SPAN_BUCKETS_MS.filter((b) => b >= 2 * backend.counterPeriodMs).flatMap((b) => errors.steady.get(b) ?? []);
      const short = SPAN_BUCKETS_MS.filter((b) => b < backend.counterPeriodMs).flatMap((b) => errors.ours.get(b) ?? []);
      const longOk = median(long) <= 0.01 && worst(longSteady.length >= 10 ? longSteady : long) <= 0.03;
      const shortOk = !backend.instantPower || short.length === 0 || median(short) <= 0.01;
      const longTicksOnly = SPAN_BUCKETS_MS.filter((b) => b >= 2 * backend.counterPeriodMs).flatMap((b) => errors.ticksOnly.get(b) ?? []);
      rows.push([
        `${backend.key}${parts.length > 1 ? ` ${part.label}` : ''}`,
        short.length ? pct(median(short), 2) : '–',
        long.length ? `${pct(median(long), 2)} / ${pct(quantile(long, 0.99), 2)} / ${pct(worst(long), 2)}` : '–',
        longSteady.length ? pct(worst(longSteady), 2) : '–',
        longTicksOnly.length ? pct(worst(longTicksOnly), 2) : '–',
        longOk && shortOk ? 'yes' : backend.instantPower || !longOk ? 'NO' : 'yes (no instantaneous power below one period)',
      ]);
    }
  }
  printTable(
    'Summary: ours, relative error (goal: median ≤ 1% and worst ≤ 3% from two periods, host steady; median ≤ 1% below one period with instantaneous power)',
    ['case', '< 1 period: median', '≥ 2 periods: median / p99 / worst', 'worst, host steady', 'counter alone ≥ 2 periods, worst', 'goal met'],
    rows,
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const chosen = BACKEND_CASES.filter((c) => !ONLY || ONLY.includes(c.key));
const sampled = INTERVALS_MS ? chosen.flatMap((c) => INTERVALS_MS.map((ms) => sampledEvery(c, ms))) : chosen;
const cases = EDGE_GAPS_MS ? sampled.flatMap((c) => EDGE_GAPS_MS.map((ms) => withEdgeReadGap(c, ms))) : sampled;
console.log(
  `Spans of ${SPAN_BUCKETS_MS.join(', ')} ms in parallel lanes for ${RUN_MS / 1000} s per case, after ${WARMUP_MS / 1000} s of sampling; ` +
    `sampler every ${INTERVALS_MS ? INTERVALS_MS.join(' / ') : 10} ms (±20% dither); relative error |J − truth| / truth against the profile integral over the span.`,
);
const results: CaseResult[] = [];
for (const backend of cases) {
  const result = await runCase(backend);
  if (!result) continue;
  printCase(result);
  results.push(result);
}
printSummary(results);
