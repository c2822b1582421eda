// `openjoules/analysis`: what the CLI is made of — reading spans back (our JSONL and the Collector file exporter's
// output), the summary, hourly KPI rollups, per-model statistics, the dataset export and the HTML report. Kept apart
// from `openjoules` so an agent app never loads it. `stats` needs the optional peer `sql.js` and
// `export --format hf` needs `apache-arrow`. Every export is used by an example or a test.
// Reading spans back (our JSONL and the Collector file exporter's output)
export { readSpanRecords, readSpanBatches, listSpanInputs, SpanInputError } from './otlp/read-spans.js';
export type { ReadSpansOptions } from './otlp/read-spans.js';
export { formatIssue } from './otlp/span-record.js';
export type { SpanRecord, ReadIssue, AttrValue } from './otlp/span-record.js';

// Summary (the seed's export_summary_json) and the seed's QueryTrace model
export {
  spansToQueryTraces,
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
} from './summary/query-trace.js';
export type { QueryTrace, TurnTrace } from './summary/query-trace.js';
export { summarize, summarizeSpans } from './summary/summary.js';
export type { Summary, SummaryStatistics, SummaryEfficiency, BenchEnergy, SummarizeOptions, SummarizeSpansOptions, OutliersRemoved } from './summary/summary.js';
export { aggStats } from './summary/stats.js';
export type { AggStats } from './summary/stats.js';
export { formatSummaryTable } from './summary/format.js';

// Hourly KPI rollups
export { rollupSpans } from './rollup/rollup.js';
export type { RollupOptions } from './rollup/rollup.js';
export { KPI_COLUMNS } from './rollup/kpi-row.js';
export type { KpiRow, KpiColumn, KpiColumnType } from './rollup/kpi-row.js';
export { parseWindow, hourWindow, dayWindow, lastCompletedHours, WindowError } from './rollup/windows.js';
export type { RollupWindow, RollupBucket, WindowSpec } from './rollup/windows.js';
export { writeRow, rowPath, ROLLUP_FORMATS } from './rollup/write.js';
export type { RollupFormat } from './rollup/write.js';
export { percentile } from './rollup/percentile.js';
export { pyRound } from './rollup/py-round.js';

// The seed's QueryTrace JSONL and Hugging Face dataset export
export { exportJsonl } from './export-data/jsonl.js';
export { exportHfDataset, HF_DATA_FILE } from './export-data/hf-dataset.js';
export { HF_COLUMNS, toHfRow } from './export-data/hf-row.js';
export { queryToDict, turnToDict, queryTraceJson } from './export-data/query-trace-dict.js';

// Per model / engine / agent / batch statistics over a persistent SQLite store
export { TelemetryStore, TelemetryStoreError, DEFAULT_STORE_PATH } from './stats/store.js';
export type { IngestResult } from './stats/store.js';
export { spansToTelemetryRecords, TOKEN_COUNTING_VERSION } from './stats/telemetry-record.js';
export type { TelemetryRecord } from './stats/telemetry-record.js';
export { aggregateStats, STATS_GROUPINGS } from './stats/aggregate.js';
export type { StatsReport, GroupStats, StatsSummary, AggregateOptions } from './stats/aggregate.js';
export { SteadyStateDetector, DEFAULT_STEADY_STATE_CONFIG } from './stats/steady-state.js';
export type { SteadyStateConfig, SteadyStateResult } from './stats/steady-state.js';
export { GPU_SPECS, lookupGpuSpec, gpuFromDevices } from './stats/gpu-specs.js';
export type { GpuHardwareSpec } from './stats/gpu-specs.js';
export { computeEfficiency, modelParamsB, MODEL_PARAMS_B } from './stats/efficiency.js';
export { estimateFlops, estimateFlopsNoKvCache, computeMfu, gpuPeakTflops, GPU_PEAK_TFLOPS_BF16 } from './stats/flops.js';
export { computeItlStats } from './stats/itl.js';
export type { ItlStats } from './stats/itl.js';
export { computeItlGapStats } from './stats/percentile.js';
export type { ItlGapStats } from './stats/percentile.js';

// The HTML report
export { renderReport } from './report/render-report.js';
export type { RenderReportOptions } from './report/render-report.js';
export { writeReport, EmptyReportError } from './report/write-report.js';
export type { WriteReportOptions, WriteReportResult } from './report/write-report.js';

