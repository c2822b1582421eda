// Public API of openjoules: what an agent app loads (span API, energy, span processor, instrumentation, export,
// setup). The analysis behind the CLI (summary, rollup, stats, report, dataset export) is `openjoules/analysis`, so
// `import 'openjoules'` never loads it. Every export is used by an example or a test.
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
} from './runtime/api/agent-spans.js';
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
} from './runtime/api/agent-spans.js';
export { isContentCaptureEnabled } from './runtime/api/content-capture.js';
export { TRACER_NAME, TRACER_VERSION } from './runtime/api/tracer.js';

// Setup and export
export { startOpenJoules } from './runtime/setup/start.js';
export type { OpenJoules, OpenJoulesOptions } from './runtime/setup/start.js';
export { chooseTraceExporters, DEFAULT_OUT_DIR } from './runtime/setup/trace-exporters.js';
export type { ChosenExporter, TraceExporterChoiceOptions } from './runtime/setup/trace-exporters.js';
export type { ProblemReporter } from './runtime/setup/problem-reporter.js';
export type { OtlpSettingProblem } from './runtime/setup/otlp-config.js';
export { DEFAULT_SHUTDOWN_TIMEOUT_MS } from './runtime/setup/export-config.js';
export { openJoulesResourceDetector } from './runtime/setup/resource-detector.js';
export { JsonlSpanExporter } from './runtime/export/jsonl-span-exporter.js';
export type { JsonlSpanExporterOptions } from './runtime/export/jsonl-span-exporter.js';
export { ReportingBatchSpanProcessor } from './runtime/export/reporting-batch-processor.js';
export type { ReportingBatchOptions, DropCounts } from './runtime/export/reporting-batch-processor.js';
export { FanOutSpanProcessor } from './runtime/export/fan-out-processor.js';

// A vLLM server's Prometheus /metrics page as OpenTelemetry metrics (OPENJOULES_VLLM_METRICS_URL)
export { startVllmMetricsScraper } from './runtime/vllm/start-vllm-metrics-scraper.js';
export type { StartVllmMetricsScraperOptions, RunningVllmMetricsScraper } from './runtime/vllm/start-vllm-metrics-scraper.js';
export { VllmMetricsScraper, vllmMetricsUrl } from './runtime/vllm/vllm-metrics-scraper.js';
export type { VllmScrape, VllmScraperOptions } from './runtime/vllm/vllm-metrics-scraper.js';
export type { VllmMetrics } from './runtime/vllm/vllm-page.js';
export type { VllmMetricsEntry } from './runtime/metrics/vllm-metrics.js';

// Streamed calls: how many chunk arrival times one span keeps (openjoules.stream.chunk_offsets_ms)
export { MAX_CHUNK_OFFSETS } from './runtime/api/chunk-times.js';

// OTLP/JSON encoding (the JSONL exporter's line format)
export { encodeTraceRequest } from './runtime/otlp/encode.js';
export type { OtlpTraceRequest } from './runtime/otlp/encode.js';

// Energy
export type { EnergySource, EnergySourceName, EnergyMethod, EnergyComponent, DeviceInfo, DeviceReading, DetectionResult } from './runtime/energy/sources/source.js';
export type { EnergyConfig } from './runtime/energy/sources/config.js';
export { energyConfigFromEnv, DEFAULT_SAMPLE_INTERVAL_MS, DEFAULT_EDGE_READ_GAP_MS } from './runtime/energy/sources/config.js';
export { detectEnergySources, AUTO_ORDER } from './runtime/energy/sources/detect.js';
export { NvmlSource } from './runtime/energy/sources/nvml.js';
export { RocmSmiSource } from './runtime/energy/sources/rocm-smi.js';
export { RaplSource } from './runtime/energy/sources/rapl.js';
export { PowermetricsSource } from './runtime/energy/sources/powermetrics.js';
export { EstimateSource, resolveCpuTdp, DEFAULT_CPU_TDP_WATTS } from './runtime/energy/sources/estimate.js';
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
} from './runtime/energy/sources/errors.js';
export type { DriverErrorRow } from './runtime/energy/sources/errors.js';
export { SimulatedEnergySource, constantPower, steppedPower } from './runtime/energy/sources/simulated.js';
export type { PowerProfile, SimulatedDeviceOptions, SimulatedEnergySourceOptions } from './runtime/energy/sources/simulated.js';
export { startEnergySampler, startInProcessSampler } from './runtime/energy/sampler/sampler.js';
export type { EnergySampler, EnergySamplerStatus, InProcessSampler, InProcessSamplerOptions } from './runtime/energy/sampler/sampler.js';
export { sharedEnergySampler, shutdownSharedEnergySampler } from './runtime/energy/sampler/shared-sampler.js';
export { EnergyTimeline, DEFAULT_HISTORY_CAPACITY } from './runtime/energy/timeline/timeline.js';
export type { EnergyTimelineOptions, WindowEnergy } from './runtime/energy/timeline/timeline.js';

// Bracket measurements without spans (the seed's EnergyMonitor.sample(), EnergyBatch and phase metrics)
export { measureEnergy } from './runtime/measure/measure-energy.js';
export type { MeasureEnergyOptions, EnergyMeasurement } from './runtime/measure/measure-energy.js';
export type { EnergySample } from './runtime/measure/energy-sample.js';
export { withEnergyBatch } from './runtime/measure/energy-batch.js';
export type { BatchMetrics, BatchRecorder, EnergyBatchOptions, EnergyBatchResult } from './runtime/measure/energy-batch.js';
export { phaseMetrics, splitAtTtft } from './runtime/measure/phase-metrics.js';
export type { PhaseMetrics } from './runtime/measure/phase-metrics.js';
export { GpuGaugeReader } from './runtime/energy/timeline/gpu-gauges.js';
export type { GpuGauges } from './runtime/energy/timeline/gpu-gauges.js';

// Per-span joules and metrics
export { EnergySpanProcessor } from './runtime/span-processor/energy-span-processor.js';
export type { EnergySpanProcessorOptions, EnergySpanProcessorStats } from './runtime/span-processor/energy-span-processor.js';
export type { SpanEnergyFinalize } from './runtime/span-processor/finalize-policy.js';
export { OperationEnergyMetrics, OPERATION_ENERGY_BUCKETS_J } from './runtime/metrics/energy-metrics.js';
export { registerHardwareMetrics } from './runtime/metrics/hw-metrics.js';
export type { HardwareMetricsEntry } from './runtime/metrics/hw-metrics.js';

// The seed's event model, ported: events become spans
export { EventType, isEventType } from './runtime/events/event-types.js';
export type { AgentEvent } from './runtime/events/event-types.js';
export { EventBus } from './runtime/events/event-bus.js';
export type { BusEvent, BusListener } from './runtime/events/event-bus.js';
export { EventRecorder } from './runtime/events/event-recorder.js';
export type { EventRecorderOptions } from './runtime/events/event-recorder.js';
export { attachSpanBridge, SpanBridge } from './runtime/events/events-to-spans.js';
export type { SpanBridgeOptions } from './runtime/events/events-to-spans.js';

// Auto-instrumentation (node --import openjoules/register, node -r openjoules/register) and its manual path
export { startOpenJoulesSync } from './runtime/setup/start.js';
export type { StartingOpenJoules } from './runtime/setup/start.js';
export { instrumentModules, instrumentOpenAI, instrumentAnthropic, instrumentMcpClient } from './runtime/instrument/manual.js';
export type { InstrumentModules } from './runtime/instrument/manual.js';
export { OpenJoulesInstrumentation, INSTRUMENTED_MODULES } from './runtime/instrument/instrumentation.js';
export { registerEsmLoaderHook } from './runtime/instrument/esm-hook.js';
export type { OpenJoulesInstrumentationConfig } from './runtime/instrument/instrumentation.js';
export type { OpenAIInstrumentationOptions } from './runtime/instrument/openai.js';

// Hosted API calls: a labelled estimate of the provider's energy (energy.remote.*), never mixed with measurements
export { RemoteEnergyEstimator, REMOTE_ENERGY_METHOD } from './runtime/remote/remote-energy.js';
export { HostedModelTable, PROVIDER_PUE } from './runtime/remote/hosted-models.js';
export type { HostedModel, HostedProvider } from './runtime/remote/hosted-models.js';
export { estimateRemoteEnergyKWh, ECOLOGITS_CONSTANTS } from './runtime/remote/ecologits-method.js';
export type { RemoteRequest, RemoteEnergyKWh, ValueRange } from './runtime/remote/ecologits-method.js';
export { RemoteEnergySpanProcessor } from './runtime/remote/remote-energy-span-processor.js';
