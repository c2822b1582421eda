import { analyzeSpans } from '../model/span-set.js';
import type { SpanRecord } from '../otlp/span-record.js';
import { COMPONENTS, componentJoules, type ComponentKey } from './span-energy.js';

/**
 * Power over time, derived from spans (spans carry no raw power samples). Each energy root's fair share (the spans
 * whose joules make up the run's energy, analysis/energy-rule.ts), split by device class, is spread evenly over the
 * span's interval and summed per time bin; a bin's watts are its joules ÷ the bin width. Concurrent roots never count
 * the same joules twice, since fair shares of overlapping work sum to the union. Time when no span was open reads
 * 0 W: it was not traced, not necessarily idle.
 */
export interface PowerSeries {
  /** Epoch ms of the first bin's start. */
  readonly startMs: number;
  readonly binMs: number;
  /** Device classes present, in stacking order, each with watts per bin. */
  readonly components: ReadonlyArray<{ readonly key: ComponentKey; readonly label: string; readonly watts: readonly number[] }>;
  /**
   * The energy roots' own `energy.mean.watts` (whole-device mean power over each span, including concurrent work),
   * as step segments; where top spans overlap, each keeps its own segment.
   */
  readonly meanWatts: ReadonlyArray<{ readonly startMs: number; readonly endMs: number; readonly watts: number }>;
  /** Σ joules under the stacked series (equals the run's energy: Σ fair shares of the energy roots). */
  readonly totalJoules: number;
  readonly peakWatts: number;
}

const LABELS: Readonly<Record<ComponentKey, string>> = {
  ...(Object.fromEntries(COMPONENTS.map((c) => [c.key, c.label])) as Record<(typeof COMPONENTS)[number]['key'], string>),
  other: 'not split by device',
};
const ORDER: readonly ComponentKey[] = [...COMPONENTS.map((c) => c.key), 'other'];

/** Derives the series with about `targetBins` bins of a round width (1, 2 or 5 × 10^k ms). */
export function derivePowerSeries(spans: readonly SpanRecord[], targetBins = 120): PowerSeries {
  const { forest, energyRoots } = analyzeSpans(spans);
  const tops = energyRoots.map((i) => forest.nodes[i]!);
  let startMs = Infinity;
  let endMs = -Infinity;
  for (const s of spans) {
    startMs = Math.min(startMs, s.startMs);
    endMs = Math.max(endMs, s.endMs);
  }
  if (!Number.isFinite(startMs)) return { startMs: 0, binMs: 1, components: [], meanWatts: [], totalJoules: 0, peakWatts: 0 };
  const binMs = niceStep(Math.max(endMs - startMs, 1e-3) / targetBins);
  const first = Math.floor(startMs / binMs) * binMs;
  const count = Math.max(1, Math.ceil((endMs - first) / binMs));
  const joules = new Map<ComponentKey, number[]>();
  const meanWatts: Array<{ startMs: number; endMs: number; watts: number }> = [];
  let totalJoules = 0;
  for (const { span, energy } of tops) {
    const watts = energy?.meanWatts;
    if (watts !== undefined) meanWatts.push({ startMs: span.startMs, endMs: span.endMs, watts });
    for (const [key, j] of componentJoules(span)) {
      let bins = joules.get(key);
      if (bins === undefined) {
        bins = new Array<number>(count).fill(0);
        joules.set(key, bins);
      }
      spread(bins, first, binMs, span.startMs, span.endMs, j);
      totalJoules += j;
    }
  }
  const components = ORDER.filter((k) => joules.has(k)).map((key) => ({
    key,
    label: LABELS[key],
    watts: joules.get(key)!.map((j) => j / (binMs / 1000)),
  }));
  let peakWatts = 0;
  for (let i = 0; i < count; i++) {
    let sum = 0;
    for (const c of components) sum += c.watts[i]!;
    peakWatts = Math.max(peakWatts, sum);
  }
  for (const m of meanWatts) peakWatts = Math.max(peakWatts, m.watts);
  meanWatts.sort((a, b) => a.startMs - b.startMs);
  return { startMs: first, binMs, components, meanWatts, totalJoules, peakWatts };
}

/** Adds `joules` spread evenly over [from, to) into the bins it overlaps; a zero-length span lands in one bin. */
function spread(bins: number[], first: number, binMs: number, from: number, to: number, joules: number): void {
  const last = bins.length - 1;
  if (!(to > from)) {
    const i = Math.min(last, Math.max(0, Math.floor((from - first) / binMs)));
    bins[i] = bins[i]! + joules;
    return;
  }
  const perMs = joules / (to - from);
  const a = Math.max(0, Math.floor((from - first) / binMs));
  const b = Math.min(last, Math.floor((to - first) / binMs));
  for (let i = a; i <= b; i++) {
    const lo = Math.max(from, first + i * binMs);
    const hi = Math.min(to, first + (i + 1) * binMs);
    if (hi > lo) bins[i] = bins[i]! + (hi - lo) * perMs;
  }
}

/** The round step (1, 2 or 5 × 10^k) at or above `raw`. */
export function niceStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * power >= raw) return m * power;
  return 10 * power;
}
