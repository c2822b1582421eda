import { diag, metrics, type Attributes, type Meter } from '@opentelemetry/api';
import { defaultResource, detectResources, envDetector, hostDetector, processDetector, resourceFromAttributes, type Resource, type ResourceDetector } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { TracerProvider, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace';
import type { EnergyConfig } from '../energy/sources/config.js';
import type { EnergySampler } from '../energy/sampler/sampler.js';
import type { EnergySource } from '../energy/sources/source.js';
import { FanOutSpanProcessor } from '../export/fan-out-processor.js';
import { ReportingBatchSpanProcessor } from '../export/reporting-batch-processor.js';
import { settleWithin } from '../export/settle-within.js';
import { registerHardwareMetrics } from '../metrics/hw-metrics.js';
import { METRIC_OPENJOULES_EXPORT_DROPPED_SPANS } from '../../semconv.js';
import { RemoteEnergyEstimator } from '../remote/remote-energy.js';
import { RemoteEnergySpanProcessor } from '../remote/remote-energy-span-processor.js';
import { EnergySpanProcessor } from '../span-processor/energy-span-processor.js';
import { SPAN_ENERGY_FINALIZE_VALUES, type SpanEnergyFinalize } from '../span-processor/finalize-policy.js';
import { TRACER_NAME, TRACER_VERSION } from '../api/tracer.js';
import { exportConfigFromEnv, JSONL_BATCH_DEFAULTS, NETWORK_BATCH_DEFAULTS, type BatchSettings } from './export-config.js';
import { registerGlobals } from './global-registration.js';
import { LateEnergySpanProcessor } from './late-energy-span-processor.js';
import { chooseMetricReaders } from './metric-readers.js';
import { startSampler } from './pipeline-sampler.js';
import { reportOncePerVariable } from './problem-reporter.js';
import { energyResourceDetector } from './resource-detector.js';
import { vllmMetricsSettingsFromEnv } from './vllm-metrics-env.js';
import type { RunningVllmMetricsScraper } from '../vllm/start-vllm-metrics-scraper.js';
import { chooseTraceExporters, type ChosenExporter } from './trace-exporters.js';

/** Options of {@link startOpenJoules}. Everything defaults to the environment. */
export interface OpenJoulesOptions {
  /** `service.name`; default OTEL_SERVICE_NAME, else the SDK's default. */
  readonly serviceName?: string;
  /** Extra resource attributes (OTEL_RESOURCE_ATTRIBUTES is read too). */
  readonly resourceAttributes?: Attributes;
  /**
   * Energy: default from OPENJOULES_ENERGY_SOURCES and friends (a worker thread samples the drivers); `false` for
   * none; an {@link EnergyConfig}; or energy sources built in code (sampled in-process, e.g. SimulatedEnergySource).
   */
  readonly energy?: false | EnergyConfig | readonly EnergySource[];
  /** Replaces the exporters chosen from OTEL_TRACES_EXPORTER (e.g. an InMemorySpanExporter in tests). */
  readonly traceExporters?: readonly SpanExporter[];
  /** JSONL directory for the embedded default; default OPENJOULES_OUT_DIR, else ./openjoules-out. */
  readonly outDir?: string;
  /** Environment to read; default process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Batch delay in ms before spans are exported; default OTEL_BSP_SCHEDULE_DELAY, else the SDK's 5000. */
  readonly scheduledDelayMillis?: number;
  /**
   * Longest `shutdown` takes, ms, the last export included; default OPENJOULES_SHUTDOWN_TIMEOUT_MS, else 5000. What
   * is not sent by then is counted and reported in one line. Each OTLP export is capped at it too.
   */
  readonly shutdownTimeoutMillis?: number;
  /** Where one-line warnings go; default console.warn. */
  readonly warn?: (message: string) => void;
}

/** A running openjoules pipeline. */
export interface OpenJoules {
  /** The energy sampler, when any source opened. */
  readonly sampler?: EnergySampler;
  /** Where spans go, one line each (`OTLP http://…/v1/traces`, a JSONL file, `console`). */
  readonly targets: readonly string[];
  /** The JSONL file of the embedded default, when it is on. */
  readonly jsonlFile?: string;
  /** The meter openjoules records its metrics with. */
  readonly meter: Meter;
  /** Exports everything ended so far (held spans included). */
  forceFlush(): Promise<void>;
  /**
   * Flushes, stops the sampler and the SDK, within `shutdownTimeoutMillis` (default 5 s): what has not been sent by
   * then is counted and reported in one line. Idempotent; never rejects.
   */
  shutdown(): Promise<void>;
}

/** A pipeline registered synchronously; energy joins when the sampler is ready. */
export interface StartingOpenJoules extends OpenJoules {
  /** Resolves (never rejects) when the energy sampler is running, or known to be absent, and the resource complete. */
  readonly ready: Promise<void>;
}

/**
 * Starts OpenTelemetry with openjoules in front: every span gains joules from the energy sampler, spans go to the
 * exporters chosen from the environment (OTLP when an endpoint is set, else JSONL files), and hardware and energy
 * metrics go to OTLP or Prometheus when asked (OTEL_METRICS_EXPORTER), with a vLLM server's metrics when
 * OPENJOULES_VLLM_METRICS_URL names one. Never throws: a part that cannot start is reported in one line and left out.
 */
export async function startOpenJoules(options: OpenJoulesOptions = {}): Promise<OpenJoules> {
  const started = startOpenJoulesSync(options);
  await started.ready;
  return started;
}

/**
 * {@link startOpenJoules} for callers that cannot wait (`node -r openjoules/register`): the tracer provider is
 * registered before this returns, so spans started at once are recorded and exported; they carry joules from the
 * moment the sampler is ready (`ready`), and the resource gains its energy attributes then (exporters wait for it).
 */
export function startOpenJoulesSync(options: OpenJoulesOptions = {}): StartingOpenJoules {
  const env = options.env ?? process.env;
  const warn = options.warn ?? ((message: string) => console.warn(message));
  const exportConfig = exportConfigFromEnv(env, warn);
  const shutdownMs = options.shutdownTimeoutMillis ?? exportConfig.shutdownTimeoutMillis;
  // Traces and metrics read the same OTLP variables: a bad one is named once.
  const report = reportOncePerVariable(warn);

  const energy = startSampler(options.energy, env, warn);
  const finalize = spanEnergyFinalizeFromEnv(env, warn);
  const resource = buildResource(options, env, energyResourceDetector(() => energy.sampler));

  // Each export under way at shutdown ends a little inside the bound, so the count of what was not sent is the line
  // a user sees, and no request outlives the bound.
  const exportMs = shutdownMs - Math.min(250, shutdownMs / 10);
  // Traces first: a bad OTLP variable is named once, with what it means for spans.
  const chosen: ChosenExporter[] = options.traceExporters
    ? options.traceExporters.map((exporter) => ({ kind: 'console' as const, exporter, target: exporter.constructor.name }))
    : chooseTraceExporters(env, warn, options.outDir, { maxExportMillis: exportMs, report });
  const metricReaders = chooseMetricReaders(env, warn, report, exportMs);
  const meterProvider = new MeterProvider({ resource, readers: metricReaders });
  const meter = meterProvider.getMeter(TRACER_NAME, TRACER_VERSION);
  if (metricReaders.length > 0) metrics.setGlobalMeterProvider(meterProvider);

  const droppedCounter = meter.createCounter(METRIC_OPENJOULES_EXPORT_DROPPED_SPANS, {
    unit: '{span}',
    description: 'Spans dropped because the export queue was full, the exporter failed, or shutdown could not wait for them.',
  });
  const exportProcessors: SpanProcessor[] = chosen.map(
    (c) =>
      new ReportingBatchSpanProcessor(c.exporter, {
        ...batchSettings(c.kind, exportConfig.batch, options.scheduledDelayMillis, exportMs),
        target: c.target,
        droppedCounter,
        warn,
        shutdownTimeoutMillis: exportMs,
      }),
  );
  const next: SpanProcessor = exportProcessors.length === 1 ? exportProcessors[0]! : new FanOutSpanProcessor(exportProcessors);
  const processor = new LateEnergySpanProcessor(next);

  // The hosted-API estimate needs no energy hardware, so it runs in front whether or not the energy processor attaches.
  const remote = RemoteEnergyEstimator.fromEnv(env, warn);
  const provider = new TracerProvider({ resource, spanProcessors: remote ? [new RemoteEnergySpanProcessor(remote), processor] : [processor] });
  const releaseGlobals = registerGlobals(provider);

  let sampler: EnergySampler | undefined;
  let unregisterHw: (() => void) | undefined;
  let stopping = false;
  let vllmScraper: RunningVllmMetricsScraper | undefined;
  const vllm = vllmMetricsSettingsFromEnv(env, warn);
  if (vllm && metricReaders.length === 0) {
    warn('openjoules: OPENJOULES_VLLM_METRICS_URL is set but no metric exporter is (OTEL_METRICS_EXPORTER=otlp or prometheus); vLLM metrics are off');
  } else if (vllm) {
    // Loaded only when asked for, so a process that scrapes nothing loads none of it.
    void import('../vllm/start-vllm-metrics-scraper.js').then(
      ({ startVllmMetricsScraper }) => {
        if (!stopping) vllmScraper = startVllmMetricsScraper({ ...vllm, meterProvider, warn });
      },
      (error: Error) => warn(`openjoules: vLLM metrics are off: ${error.message}`),
    );
  }
  const ready = energy.sampler.then(async (started) => {
    if (stopping) {
      await energy.stop();
      return;
    }
    sampler = started;
    if (started) {
      unregisterHw = registerHardwareMetrics(meter, () => started.latestReadings());
      processor.attach(new EnergySpanProcessor({ timeline: started.timeline, next, meter, finalize, remoteEnergy: false }));
    }
    await resource.waitForAsyncAttributes?.().catch(() => undefined);
  });

  let stopped: Promise<void> | undefined;
  return {
    get sampler() {
      return sampler;
    },
    ready,
    targets: chosen.map((c) => c.target),
    jsonlFile: chosen.find((c) => c.kind === 'jsonl')?.target,
    meter,
    forceFlush: async () => {
      await processor.forceFlush().catch(() => undefined);
      await meterProvider.forceFlush().catch(() => undefined);
    },
    shutdown: () =>
      (stopped ??= (async () => {
        stopping = true;
        vllmScraper?.stop();
        const deadline = performance.now() + shutdownMs;
        const late: string[] = [];
        // Each part gets what is left of the one bound; a part still running then is named, not waited for.
        const step = async (what: string, work: () => Promise<unknown> | unknown): Promise<void> => {
          const running = (async () => work())().catch((error: Error) => diag.warn(`openjoules: ${what} failed during shutdown: ${error.message}`));
          if (!(await settleWithin(running, Math.max(0, deadline - performance.now())))) late.push(what);
        };
        // Spans and metrics leave in parallel: a dead backend for one does not spend the other's time.
        await Promise.all([step('span export', () => provider.shutdown()), step('metric export', () => meterProvider.shutdown())]);
        // Release the global API we registered, so a later start (or the host's own SDK) can register.
        releaseGlobals();
        unregisterHw?.();
        if (metricReaders.length > 0) metrics.disable();
        await step('energy sampler', () => (sampler ? energy.stop() : undefined));
        if (late.length > 0) warn(`openjoules: shutdown stopped waiting after ${shutdownMs} ms for: ${late.join(', ')}`);
      })()),
  };
}

/**
 * Batch settings for one target: OTEL_BSP_* where set, else the target's defaults (a local file takes a deeper queue
 * and bigger batches than a network). The processor's own export timeout stays inside the shutdown bound, so its
 * timer never holds an exiting process past it.
 */
function batchSettings(kind: ChosenExporter['kind'], fromEnv: BatchSettings, scheduledDelayMillis: number | undefined, shutdownMs: number): BatchSettings {
  const defaults = kind === 'jsonl' ? JSONL_BATCH_DEFAULTS : NETWORK_BATCH_DEFAULTS;
  const maxQueueSize = fromEnv.maxQueueSize ?? defaults.maxQueueSize;
  return {
    maxQueueSize,
    maxExportBatchSize: Math.min(fromEnv.maxExportBatchSize ?? defaults.maxExportBatchSize, maxQueueSize),
    exportTimeoutMillis: Math.min(fromEnv.exportTimeoutMillis ?? 30_000, shutdownMs),
    ...(scheduledDelayMillis !== undefined || fromEnv.scheduledDelayMillis !== undefined
      ? { scheduledDelayMillis: scheduledDelayMillis ?? fromEnv.scheduledDelayMillis }
      : {}),
  };
}

function buildResource(options: OpenJoulesOptions, env: NodeJS.ProcessEnv, energyDetector: ResourceDetector): Resource {
  const detected = detectResources({ detectors: [envDetector, hostDetector, processDetector, energyDetector] });
  const serviceName = options.serviceName ?? env.OTEL_SERVICE_NAME?.trim();
  let resource = defaultResource().merge(detected);
  if (options.resourceAttributes) resource = resource.merge(resourceFromAttributes(options.resourceAttributes));
  if (serviceName) resource = resource.merge(resourceFromAttributes({ 'service.name': serviceName }));
  return resource;
}

/** OPENJOULES_SPAN_ENERGY: when spans get their energy (auto, exact, immediate); a bad value warns and gives auto. */
function spanEnergyFinalizeFromEnv(env: NodeJS.ProcessEnv, warn: (message: string) => void): SpanEnergyFinalize {
  const text = env.OPENJOULES_SPAN_ENERGY?.trim().toLowerCase();
  if (!text) return 'auto';
  const found = SPAN_ENERGY_FINALIZE_VALUES.find((v) => v === text);
  if (found) return found;
  warn(`openjoules: OPENJOULES_SPAN_ENERGY "${text}" is not one of ${SPAN_ENERGY_FINALIZE_VALUES.join(', ')}; using auto`);
  return 'auto';
}
