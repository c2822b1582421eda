import type { ReadIssue, SpanRecord } from '../otlp/span-record.js';
import { KpiAggregator } from '../rollup/aggregator.js';
import type { KpiRow } from '../rollup/kpi-row.js';
import { validateRollupSpan } from '../rollup/span-schema.js';
import { bucketStartOf, dayBucket, type RollupWindow } from '../rollup/windows.js';

const DAY_MS = 86_400_000;

/** One column of the report's KPI table: the rollup's row for the whole run, or for one UTC day of a long run. */
export interface RunKpis {
  /** `run` or the UTC day `YYYY-MM-DD`. */
  readonly label: string;
  readonly row: KpiRow;
}

/**
 * The rollup's KPI row (same aggregator, same rules) over the run. The aggregator buckets by UTC hour or day of a
 * span's end; a run shorter than a day is shifted by a constant so it fits one day bucket — every KPI depends on
 * counts, sums and time differences only, so the shift changes none of them. A longer run gets one row per UTC day.
 * Spans the rollup's schema rejects are reported through `onIssue` and left out of the KPIs.
 */
export function runKpis(spans: readonly SpanRecord[], onIssue?: (issue: ReadIssue) => void): RunKpis[] {
  if (spans.length === 0) return [];
  let startMs = Infinity;
  let endMs = -Infinity;
  for (const s of spans) {
    startMs = Math.min(startMs, s.startMs);
    endMs = Math.max(endMs, s.endMs);
  }
  const oneDay = endMs - startMs < DAY_MS;
  const shift = oneDay ? startMs - bucketStartOf(startMs, 'day') : 0;
  const buckets = [];
  for (let day = bucketStartOf(startMs - shift, 'day'); day <= endMs - shift; day += DAY_MS) buckets.push(dayBucket(day));
  const window: RollupWindow = { granularity: 'day', buckets };
  const aggregator = new KpiAggregator(window);
  spans.forEach((span, index) => {
    const reason = validateRollupSpan(span);
    if (reason !== undefined) {
      onIssue?.({ file: '<spans>', line: index + 1, reason });
      return;
    }
    aggregator.add(shift === 0 ? span : { ...span, startMs: span.startMs - shift, endMs: span.endMs - shift });
  });
  const rows = aggregator.rows();
  if (oneDay) return [{ label: 'run', row: { ...rows[0]!, bucket: 'run' } }];
  return rows.map((row) => ({ label: row.bucket, row }));
}
