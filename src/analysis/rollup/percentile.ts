/**
 * The seed's percentile (ml-intern `_percentile`): sort, take rank k = (n − 1)·p, and interpolate linearly between
 * the two values around it. An empty list gives 0, as in the seed, so a row never holds NaN.
 *
 * @param values - the sample; not modified.
 * @param p - the fraction, 0..1 (0.5 for the median, 0.95 for p95).
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const k = (sorted.length - 1) * p;
  const f = Math.floor(k);
  const c = Math.min(f + 1, sorted.length - 1);
  const low = sorted[f]!;
  if (f === c) return low;
  return low + (sorted[c]! - low) * (k - f);
}
