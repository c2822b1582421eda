// Public API of openjoules. Every export is used by an example or a test.
export * from './semconv.js';

// Agent spans (GenAI semantic conventions)
export {
  withAgentTurn,
  withLlmCall,
  withSubModelCall,
  withToolCall,
  streamLlmCall,
  startAgentTurn,
  startLlmCall,
  startToolCall,
  errorType,
} from './trace/agent-spans.js';
export type {
  AgentTurnOptions,
  LlmCallOptions,
  ToolCallOptions,
  TokenUsage,
  LlmOperation,
  SpanHandle,
  AgentTurnHandle,
  LlmCallHandle,
  ToolCallHandle,
} from './trace/agent-spans.js';
export { isContentCaptureEnabled } from './trace/content-capture.js';
export { TRACER_NAME, TRACER_VERSION } from './trace/tracer.js';

// Setup and export
export { startOpenJoules } from './setup/start.js';
export type { OpenJoules, OpenJoulesOptions } from './setup/start.js';
export { chooseTraceExporters, DEFAULT_OUT_DIR } from './setup/trace-exporters.js';
export { JsonlSpanExporter } from './export/jsonl-span-exporter.js';
export type { JsonlSpanExporterOptions } from './export/jsonl-span-exporter.js';
export { ReportingBatchSpanProcessor } from './export/reporting-batch-processor.js';
export type { ReportingBatchOptions, DropCounts } from './export/reporting-batch-processor.js';
export { FanOutSpanProcessor } from './export/fan-out-processor.js';

// Reading spans back (our JSONL and the Collector file exporter's output)
export { encodeTraceRequest } from './otlp/encode.js';
export type { OtlpTraceRequest } from './otlp/encode.js';
export { readSpanRecords, readSpanBatches, listSpanInputs, SpanInputError } from './otlp/read-spans.js';
export type { ReadSpansOptions } from './otlp/read-spans.js';
export { formatIssue } from './otlp/span-record.js';
export type { SpanRecord, ReadIssue, AttrValue } from './otlp/span-record.js';

// Energy
export type { EnergySource, EnergySourceName, EnergyMethod, EnergyComponent, DeviceInfo, DeviceReading, DetectionResult } from './energy/source.js';
export type { EnergyConfig } from './energy/config.js';
export { energyConfigFromEnv, DEFAULT_SAMPLE_INTERVAL_MS } from './energy/config.js';
export { detectEnergySources, AUTO_ORDER } from './energy/detect.js';
export { NvmlSource } from './energy/nvml.js';
export { RocmSmiSource } from './energy/rocm-smi.js';
export { RaplSource } from './energy/rapl.js';
export { PowermetricsSource } from './energy/powermetrics.js';
export { EstimateSource, resolveCpuTdp, DEFAULT_CPU_TDP_WATTS } from './energy/estimate.js';
export {
  EnergyError,
  LibraryNotFoundError,
  FfiUnavailableError,
  NoDevicesError,
  DriverError,
  DriverInitError,
  NotSupportedError,
  DeviceLostError,
  DriverPermissionError,
  RaplUnreadableError,
  PowermetricsDeniedError,
  PowermetricsExitedError,
  DRIVER_ERROR_TABLE,
  driverError,
} from './energy/errors.js';
export type { DriverErrorRow } from './energy/errors.js';
export { SimulatedEnergySource, constantPower, steppedPower } from './energy/simulated.js';
export type { PowerProfile, SimulatedDeviceOptions, SimulatedEnergySourceOptions } from './energy/simulated.js';
export { startEnergySampler, startInProcessSampler } from './energy/sampler.js';
export type { EnergySampler, EnergySamplerStatus, InProcessSampler, InProcessSamplerOptions } from './energy/sampler.js';
export { sharedEnergySampler, shutdownSharedEnergySampler } from './energy/shared-sampler.js';
export { EnergyTimeline, DEFAULT_HISTORY_CAPACITY } from './energy/timeline.js';
export type { EnergyTimelineOptions, WindowEnergy } from './energy/timeline.js';

// Per-span joules and metrics
export { EnergySpanProcessor } from './trace/energy-span-processor.js';
export type { EnergySpanProcessorOptions, EnergySpanProcessorStats, SpanEnergyFinalize } from './trace/energy-span-processor.js';
export { OperationEnergyMetrics, OPERATION_ENERGY_BUCKETS_J } from './metrics/energy-metrics.js';
export { registerHardwareMetrics } from './metrics/hw-metrics.js';
export type { HardwareMetricsEntry } from './metrics/hw-metrics.js';

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

// The seed's event model, ported: events become spans
export { EventType, isEventType } from './events/event-types.js';
export type { AgentEvent } from './events/event-types.js';
export { EventBus } from './events/event-bus.js';
export type { BusEvent, BusListener } from './events/event-bus.js';
export { EventRecorder } from './events/event-recorder.js';
export type { EventRecorderOptions } from './events/event-recorder.js';
export { attachSpanBridge, SpanBridge } from './events/events-to-spans.js';
export type { SpanBridgeOptions } from './events/events-to-spans.js';

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
export { computeItlStats } from './stats/percentile.js';

// The HTML report
export { renderReport } from './report/render-report.js';
export type { RenderReportOptions } from './report/render-report.js';
export { writeReport, EmptyReportError } from './report/write-report.js';
export type { WriteReportOptions, WriteReportResult } from './report/write-report.js';

// Auto-instrumentation (node --import openjoules/register, node -r openjoules/register) and its manual path
export { startOpenJoulesSync } from './setup/start.js';
export type { StartingOpenJoules } from './setup/start.js';
export { instrumentModules, instrumentOpenAI, instrumentAnthropic, instrumentMcpClient } from './instrument/manual.js';
export type { InstrumentModules } from './instrument/manual.js';
export { OpenJoulesInstrumentation, INSTRUMENTED_MODULES } from './instrument/instrumentation.js';
export type { OpenJoulesInstrumentationConfig } from './instrument/instrumentation.js';
export type { OpenAIInstrumentationOptions } from './instrument/openai.js';
