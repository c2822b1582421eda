/** One cumulative histogram bucket: how many observations were ≤ `le`. */
export interface CumulativeBucket {
  /** Upper bound, in the histogram's unit; `Infinity` for `+Inf`. */
  readonly le: number;
  readonly count: number;
}

/**
 * The seed's bucket percentile (OpenJarvis `VLLMMetricsScraper`), the way Prometheus' `histogram_quantile` reads
 * buckets: target = (count of the last bucket) × q; at the first bucket (by bound) whose count reaches the target,
 * interpolate linearly between the previous bound (0 for the first) and this one; in the `+Inf` bucket, the previous
 * bound. Null when the histogram holds no observation. With buckets 0.01:5, 0.025:15, 0.05:40, 0.1:80, 0.25:95,
 * 0.5:100, +Inf:100, q 0.5 gives 0.0625 and q 0.95 gives 0.25.
 *
 * @param q - the quantile, 0 to 1 (0.95 for p95).
 */
export function bucketQuantile(buckets: readonly CumulativeBucket[], q: number): number | null {
  if (buckets.length === 0) return null;
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const total = sorted[sorted.length - 1]!.count;
  if (!(total > 0)) return null;
  const target = total * q;
  let prevBound = 0;
  let prevCount = 0;
  for (const { le, count } of sorted) {
    if (count >= target) {
      if (le === Infinity) return prevBound;
      if (count === prevCount) return le;
      return prevBound + ((target - prevCount) / (count - prevCount)) * (le - prevBound);
    }
    prevBound = le;
    prevCount = count;
  }
  return prevBound;
}
