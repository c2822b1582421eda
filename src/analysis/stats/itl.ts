import { percentile } from '../rollup/percentile.js';
import { itlFromTimestamps } from './percentile.js';

/** The seed's inter-token latency summary (OpenJarvis `itl.compute_itl_stats`), in milliseconds. */
export interface ItlStats {
  readonly p50_ms: number;
  readonly p90_ms: number;
  readonly p95_ms: number;
  readonly p99_ms: number;
  readonly mean_ms: number;
  readonly min_ms: number;
  readonly max_ms: number;
}

/**
 * The seed's `compute_itl_stats(token_timestamps)`: token arrival times in (ms), the gaps between consecutive ones
 * summarised as `p50_ms`, `p90_ms`, `p95_ms`, `p99_ms` (the seed's linear-interpolation percentile), `mean_ms`,
 * `min_ms` and `max_ms`; all 0 with fewer than two times. `[0, 1, 3, 6, 10]` gives gaps 1..4: p50 2.5, mean 2.5,
 * min 1, max 4. Times are taken in time order, so chunk events read back out of order give the same gaps.
 *
 * @param tokenTimestampsMs - arrival time of each token or chunk, ms on any one clock.
 */
export function computeItlStats(tokenTimestampsMs: readonly number[]): ItlStats {
  if (tokenTimestampsMs.length < 2) return { p50_ms: 0, p90_ms: 0, p95_ms: 0, p99_ms: 0, mean_ms: 0, min_ms: 0, max_ms: 0 };
  const gaps = itlFromTimestamps(tokenTimestampsMs);
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const gap of gaps) {
    sum += gap;
    if (gap < min) min = gap;
    if (gap > max) max = gap;
  }
  return {
    p50_ms: percentile(gaps, 0.5),
    p90_ms: percentile(gaps, 0.9),
    p95_ms: percentile(gaps, 0.95),
    p99_ms: percentile(gaps, 0.99),
    mean_ms: sum / gaps.length,
    min_ms: min,
    max_ms: max,
  };
}
