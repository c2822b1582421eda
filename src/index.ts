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
export type { ChosenExporter, TraceExporterChoiceOptions } from './setup/trace-exporters.js';
export type { ProblemReporter } from './setup/problem-reporter.js';
export type { OtlpSettingProblem } from './setup/otlp-config.js';
export { DEFAULT_SHUTDOWN_TIMEOUT_MS } from './setup/export-config.js';
export { openJoulesResourceDetector } from './setup/resource-detector.js';
export { JsonlSpanExporter } from './export/jsonl-span-exporter.js';
export type { JsonlSpanExporterOptions } from './export/jsonl-span-exporter.js';
export { ReportingBatchSpanProcessor } from './export/reporting-batch-processor.js';
export type { ReportingBatchOptions, DropCounts } from './export/reporting-batch-processor.js';
export { FanOutSpanProcessor } from './export/fan-out-processor.js';

// A vLLM server's Prometheus /metrics page as OpenTelemetry metrics (OPENJOULES_VLLM_METRICS_URL)
export { startVllmMetricsScraper } from './vllm/start-vllm-metrics-scraper.js';
export type { StartVllmMetricsScraperOptions, RunningVllmMetricsScraper } from './vllm/start-vllm-metrics-scraper.js';
export { VllmMetricsScraper, vllmMetricsUrl } from './vllm/vllm-metrics-scraper.js';
export type { VllmScrape, VllmScraperOptions } from './vllm/vllm-metrics-scraper.js';
export type { VllmMetrics } from './vllm/vllm-page.js';
export type { VllmMetricsEntry } from './metrics/vllm-metrics.js';

// Streamed calls: how many chunk arrival times one span keeps (openjoules.stream.chunk_offsets_ms)
export { MAX_CHUNK_OFFSETS } from './trace/chunk-times.js';

// OTLP/JSON encoding (the JSONL exporter's line format)
export { encodeTraceRequest } from './otlp/encode.js';
export type { OtlpTraceRequest } from './otlp/encode.js';

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

// The seed's event model, ported: events become spans
export { EventType, isEventType } from './events/event-types.js';
export type { AgentEvent } from './events/event-types.js';
export { EventBus } from './events/event-bus.js';
export type { BusEvent, BusListener } from './events/event-bus.js';
export { EventRecorder } from './events/event-recorder.js';
export type { EventRecorderOptions } from './events/event-recorder.js';
export { attachSpanBridge, SpanBridge } from './events/events-to-spans.js';
export type { SpanBridgeOptions } from './events/events-to-spans.js';

// Auto-instrumentation (node --import openjoules/register, node -r openjoules/register) and its manual path
export { startOpenJoulesSync } from './setup/start.js';
export type { StartingOpenJoules } from './setup/start.js';
export { instrumentModules, instrumentOpenAI, instrumentAnthropic, instrumentMcpClient } from './instrument/manual.js';
export type { InstrumentModules } from './instrument/manual.js';
export { OpenJoulesInstrumentation, INSTRUMENTED_MODULES } from './instrument/instrumentation.js';
export { registerEsmLoaderHook } from './instrument/esm-hook.js';
export type { OpenJoulesInstrumentationConfig } from './instrument/instrumentation.js';
export type { OpenAIInstrumentationOptions } from './instrument/openai.js';

// Hosted API calls: a labelled estimate of the provider's energy (energy.remote.*), never mixed with measurements
export { RemoteEnergyEstimator, REMOTE_ENERGY_METHOD } from './remote/remote-energy.js';
export { HostedModelTable, PROVIDER_PUE } from './remote/hosted-models.js';
export type { HostedModel, HostedProvider } from './remote/hosted-models.js';
export { estimateRemoteEnergyKWh, ECOLOGITS_CONSTANTS } from './remote/ecologits-method.js';
export type { RemoteRequest, RemoteEnergyKWh, ValueRange } from './remote/ecologits-method.js';
export { RemoteEnergySpanProcessor } from './remote/remote-energy-span-processor.js';
