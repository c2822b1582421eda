// `openjoules/analysis`: what the CLI is made of — reading spans back (our JSONL and the Collector file exporter's
// output), the summary, hourly KPI rollups, per-model statistics, the dataset export and the HTML report. Kept apart
// from `openjoules` so an agent app never loads it. `stats` needs the optional peer `sql.js` and
// `export --format hf` needs `apache-arrow`. Every export is used by an example or a test.
// Reading spans back (our JSONL and the Collector file exporter's output)
export { readSpanRecords, readSpanBatches, listSpanInputs, SpanInputError } from './analysis/otlp/read-spans.js';
export type { ReadSpansOptions } from './analysis/otlp/read-spans.js';
export { formatIssue } from './analysis/otlp/span-record.js';
export type { SpanRecord, ReadIssue, AttrValue } from './analysis/otlp/span-record.js';

// Summary (the seed's export_summary_json) and the seed's QueryTrace model
export {
  spansToQueryTraces,
  spansToQueries,
  makeQueryTrace,
  makeTurnTrace,
  numTurns,
  totalInputTokens,
  totalOutputTokens,
  totalTokens,
  totalToolCalls,
  totalGpuEnergyJoules,
  totalCpuEnergyJoules,
  totalCostUsd,
  avgGpuPowerWatts,
  avgCpuPowerWatts,
  throughputTokensPerSec,
  energyPerTokenJoules,
} from './analysis/summary/query-trace.js';
export type { QueryTrace, TurnTrace, QueriesOfSpans } from './analysis/summary/query-trace.js';
export type { RemoteEnergyTotals } from './analysis/model/remote-totals.js';
export { summarize, summarizeSpans } from './analysis/summary/summary.js';
export type { Summary, SummaryStatistics, SummaryEfficiency, SummaryRemoteEnergy, BenchEnergy, SummarizeOptions, SummarizeSpansOptions, OutliersRemoved } from './analysis/summary/summary.js';
export { aggStats } from './analysis/summary/stats.js';
export type { AggStats } from './analysis/summary/stats.js';
export { formatSummaryTable } from './analysis/summary/format.js';

// Hourly KPI rollups
export { rollupSpans } from './analysis/rollup/rollup.js';
export type { RollupOptions } from './analysis/rollup/rollup.js';
export { KPI_COLUMNS } from './analysis/rollup/kpi-row.js';
export type { KpiRow, KpiColumn, KpiColumnType } from './analysis/rollup/kpi-row.js';
export { parseWindow, hourWindow, dayWindow, lastCompletedHours, WindowError } from './analysis/rollup/windows.js';
export type { RollupWindow, RollupBucket, WindowSpec } from './analysis/rollup/windows.js';
export { writeRow, rowPath, ROLLUP_FORMATS } from './analysis/rollup/write.js';
export type { RollupFormat } from './analysis/rollup/write.js';
export { percentile } from './analysis/rollup/percentile.js';
export { pyRound } from './analysis/rollup/py-round.js';

// The seed's QueryTrace JSONL and Hugging Face dataset export
export { exportJsonl } from './analysis/export-data/jsonl.js';
export { exportHfDataset, HF_DATA_FILE } from './analysis/export-data/hf-dataset.js';
export { HF_COLUMNS, toHfRow } from './analysis/export-data/hf-row.js';
export { queryToDict, turnToDict, queryTraceJson } from './analysis/export-data/query-trace-dict.js';

// Per model / engine / agent / batch statistics over a persistent SQLite store
export { TelemetryStore, TelemetryStoreError, DEFAULT_STORE_PATH } from './analysis/stats/store.js';
export type { IngestResult } from './analysis/stats/store.js';
export { spansToTelemetryRecords, TOKEN_COUNTING_VERSION } from './analysis/stats/telemetry-record.js';
export type { TelemetryRecord } from './analysis/stats/telemetry-record.js';
export { aggregateStats, STATS_GROUPINGS } from './analysis/stats/aggregate.js';
export type { StatsReport, GroupStats, StatsSummary, AggregateOptions } from './analysis/stats/aggregate.js';
export { SteadyStateDetector, DEFAULT_STEADY_STATE_CONFIG } from './analysis/stats/steady-state.js';
export type { SteadyStateConfig, SteadyStateResult } from './analysis/stats/steady-state.js';
export { GPU_SPECS, lookupGpuSpec, gpuFromDevices } from './analysis/stats/gpu-specs.js';
export type { GpuHardwareSpec } from './analysis/stats/gpu-specs.js';
export { computeEfficiency, modelParamsB, MODEL_PARAMS_B } from './analysis/stats/efficiency.js';
export { estimateFlops, estimateFlopsNoKvCache, computeMfu, gpuPeakTflops, GPU_PEAK_TFLOPS_BF16 } from './analysis/stats/flops.js';
export { computeItlStats } from './analysis/stats/itl.js';
export type { ItlStats } from './analysis/stats/itl.js';
export { computeItlGapStats } from './analysis/stats/percentile.js';
export type { ItlGapStats } from './analysis/stats/percentile.js';

// The HTML report
export { renderReport } from './analysis/report/render-report.js';
export type { RenderReportOptions } from './analysis/report/render-report.js';
export { writeReport, EmptyReportError } from './analysis/report/write-report.js';
export type { WriteReportOptions, WriteReportResult } from './analysis/report/write-report.js';

