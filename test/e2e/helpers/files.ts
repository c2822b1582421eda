import { existsSync } from 'node:fs';
import { readSpanRecords } from '../../../src/analysis/otlp/read-spans.js';
import type { SpanRecord } from '../../../src/analysis/otlp/span-record.js';
import { rollupSpans } from '../../../src/analysis/rollup/rollup.js';
import type { KpiRow } from '../../../src/analysis/rollup/kpi-row.js';
import { bucketStartOf, hourBucket, type RollupWindow } from '../../../src/analysis/rollup/windows.js';
import { waitFor, type Server } from './servers.js';

/** Every span in Collector file-exporter output (a directory: plain and rotated files), read by our own reader. */
export async function readFileExporter(dirs: readonly string[]): Promise<SpanRecord[]> {
  const present = dirs.filter((d) => existsSync(d));
  if (present.length === 0) return [];
  const spans: SpanRecord[] = [];
  for await (const span of readSpanRecords(present, { onIssue: (issue) => console.warn(`file exporter line skipped: ${issue.file}:${issue.line} ${issue.reason}`) })) {
    spans.push(span);
  }
  return spans;
}

export async function waitFileSpans(dirs: readonly string[], service: string, expected: number, timeoutMs: number, servers: readonly Server[]): Promise<SpanRecord[]> {
  let last = 0;
  try {
    return await waitFor(
      `the file exporter to hold ${expected} spans of ${service}`,
      async () => {
        const spans = (await readFileExporter(dirs)).filter((s) => s.resource['service.name'] === service);
        last = spans.length;
        return spans.length >= expected ? spans : undefined;
      },
      timeoutMs,
      servers,
      300,
    );
  } catch (error) {
    throw new Error(`file exporter has ${last} of ${expected} spans: ${(error as Error).message}`);
  }
}

/** The hour buckets between two times (the run may cross an hour). */
export function windowFor(fromMs: number, toMs: number): RollupWindow {
  const buckets = [];
  for (let h = bucketStartOf(fromMs, 'hour'); h <= toMs; h += 3_600_000) buckets.push(hourBucket(h));
  return { granularity: 'hour', buckets };
}

/** Column totals over all rows (the counters Prometheus holds are totals since the Collector started). */
export type KpiTotals = Record<'spans' | 'turns' | 'llm_calls' | 'tool_calls' | 'tokens_prompt' | 'tokens_completion' | 'cost_usd' | 'energy_joules' | 'energy_cpu_joules' | 'energy_gpu_joules', number>;

export async function rollupTotals(spans: readonly SpanRecord[], window: RollupWindow): Promise<KpiTotals> {
  const rows: KpiRow[] = await rollupSpans(spans, window);
  const keys: (keyof KpiTotals)[] = ['spans', 'turns', 'llm_calls', 'tool_calls', 'tokens_prompt', 'tokens_completion', 'cost_usd', 'energy_joules', 'energy_cpu_joules', 'energy_gpu_joules'];
  const totals = Object.fromEntries(keys.map((k) => [k, 0])) as KpiTotals;
  for (const row of rows) for (const k of keys) totals[k] += row[k];
  return totals;
}
