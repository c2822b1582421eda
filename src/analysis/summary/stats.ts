import { fsum } from './trace.js';

/** The five numbers the seed's `_agg_stats` reports for one metric; all null when no value was present. */
export interface AggStats {
  avg: number | null;
  median: number | null;
  min: number | null;
  max: number | null;
  /** Sample standard deviation (n − 1), 0 for a single value. */
  std: number | null;
}

/**
 * The seed's `_agg_stats`: drop nulls, then mean, median, min, max and the SAMPLE standard deviation
 * (`statistics.stdev`, 0.0 when there is one value). Non-finite values are dropped too: JSON cannot carry them.
 */
export function aggStats(values: Iterable<number | null | undefined>): AggStats {
  const clean: number[] = [];
  for (const v of values) if (typeof v === 'number' && Number.isFinite(v)) clean.push(v);
  const n = clean.length;
  if (n === 0) return { avg: null, median: null, min: null, max: null, std: null };
  const avg = fsum(clean) / n;
  const sorted = [...clean].sort((a, b) => a - b);
  const mid = Math.floor(n / 2);
  const median = n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { avg, median, min: sorted[0]!, max: sorted[n - 1]!, std: n > 1 ? sampleStdev(clean, avg) : 0 };
}

function sampleStdev(values: readonly number[], mean: number): number {
  // Two-pass with the correction term of the corrected two-pass algorithm, close to Python's exact `_ss`.
  const deviations = values.map((v) => v - mean);
  const ss = fsum(deviations.map((d) => d * d)) - fsum(deviations) ** 2 / values.length;
  return Math.sqrt(Math.max(0, ss) / (values.length - 1));
}
