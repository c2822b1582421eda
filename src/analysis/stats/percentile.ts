

import { percentile } from '../rollup/percentile.js';

/** The seed's percentile (linear interpolation), shared with the rollup. */
export { percentile };

/** Inter-token latency statistics of one streamed call from its gaps, in milliseconds (the stored ITL columns). */
export interface ItlGapStats {
  readonly mean_ms: number;
  readonly median_ms: number;
  readonly p90_ms: number;
  readonly p95_ms: number;
  readonly p99_ms: number;
  /** Sample standard deviation (`statistics.stdev`); 0 with one value. */
  readonly std_ms: number;
}

/**
 * The seed's `InstrumentedEngine._compute_itl_stats(itl_values_ms)`: mean, median, p90/p95/p99 and sample std of
 * inter-token latencies (gaps, ms), the `*_itl_ms` columns of a stored call; all 0 when there are none.
 * `[10, 20, 30, 40, 50]` gives mean 30, median 30, p90 46, p95 48, p99 49.6. For token timestamps in and the seed's
 * `p50_ms … max_ms` out, see `computeItlStats` (itl.ts).
 */
export function computeItlGapStats(itlMs: readonly number[]): ItlGapStats {
  const n = itlMs.length;
  if (n === 0) return { mean_ms: 0, median_ms: 0, p90_ms: 0, p95_ms: 0, p99_ms: 0, std_ms: 0 };
  const mean = itlMs.reduce((s, v) => s + v, 0) / n;
  const variance = n > 1 ? itlMs.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1) : 0;
  return {
    mean_ms: mean,
    median_ms: median(itlMs),
    p90_ms: percentile(itlMs, 0.9),
    p95_ms: percentile(itlMs, 0.95),
    p99_ms: percentile(itlMs, 0.99),
    std_ms: Math.sqrt(variance),
  };
}

/** Inter-token latencies (ms) from token arrival times (ms): the gaps between consecutive times, in time order. */
export function itlFromTimestamps(timesMs: readonly number[]): number[] {
  const sorted = [...timesMs].sort((a, b) => a - b);
  const gaps: number[] = [];
  for (let i = 1; i < sorted.length; i++) gaps.push(sorted[i]! - sorted[i - 1]!);
  return gaps;
}

/** `statistics.median`: the middle value, or the mean of the two middle values. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const data = [...values].sort((a, b) => a - b);
  const mid = data.length >> 1;
  return data.length % 2 === 1 ? data[mid]! : (data[mid - 1]! + data[mid]!) / 2;
}
