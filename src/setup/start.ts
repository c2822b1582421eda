import { context, diag, metrics, propagation, trace, type Attributes, type Context, type Meter } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import {
  defaultResource,
  detectResources,
  envDetector,
  hostDetector,
  processDetector,
  resourceFromAttributes,
  type DetectedResourceAttributes,
  type Resource,
} from '@opentelemetry/resources';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { MeterProvider, PeriodicExportingMetricReader, type IMetricReader } from '@opentelemetry/sdk-metrics';
import { TracerProvider, type ReadableSpan, type Span, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { energyConfigFromEnv, type EnergyConfig } from '../energy/config.js';
import { startEnergySampler, startInProcessSampler, type EnergySampler } from '../energy/sampler.js';
import type { EnergySource } from '../energy/source.js';
import { FanOutSpanProcessor } from '../export/fan-out-processor.js';
import { ReportingBatchSpanProcessor } from '../export/reporting-batch-processor.js';
import { registerHardwareMetrics } from '../metrics/hw-metrics.js';
import {
  ATTR_OPENJOULES_ENERGY_DEVICES,
  ATTR_OPENJOULES_ENERGY_SOURCES,
  ATTR_OPENJOULES_ENERGY_UNAVAILABLE,
  METRIC_OPENJOULES_EXPORT_DROPPED_SPANS,
} from '../semconv.js';
import { EnergySpanProcessor, SPAN_ENERGY_FINALIZE_VALUES, type SpanEnergyFinalize } from '../trace/energy-span-processor.js';
import { TRACER_NAME, TRACER_VERSION } from '../trace/tracer.js';
import { chooseTraceExporters, otlpExporterConfig, type ChosenExporter } from './trace-exporters.js';

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
  /** Batch delay in ms before spans are exported; default the SDK's (OTEL_BSP_SCHEDULE_DELAY, 5000). */
  readonly scheduledDelayMillis?: number;
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
  /** Flushes, stops the sampler and the SDK. Idempotent; never rejects. */
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
 * metrics go to OTLP or Prometheus when asked (OTEL_METRICS_EXPORTER). Never throws: a part that cannot start is
 * reported in one line and left out.
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

  const samplerReady = startSampler(options.energy, env, warn);
  const finalize = spanEnergyFinalizeFromEnv(env, warn);
  const energyAttribute = (pick: (status: ReturnType<EnergySampler['status']>) => string[]): Promise<string[] | undefined> =>
    samplerReady.then((sampler) => {
      const status = sampler?.status();
      return status ? pick(status) : undefined;
    });
  const energyAttributes = {
    [ATTR_OPENJOULES_ENERGY_SOURCES]: energyAttribute((status) => [...new Set(status.devices.map((d) => d.source))]),
    [ATTR_OPENJOULES_ENERGY_DEVICES]: energyAttribute((status) => status.devices.map((d) => `${d.id}=${d.name} (${d.method})`)),
    [ATTR_OPENJOULES_ENERGY_UNAVAILABLE]: energyAttribute((status) => status.unavailable.map((u) => `${u.source}: ${u.reason}`)),
  };
  const resource = buildResource(options, env, energyAttributes);

  const metricReaders = chooseMetricReaders(env, warn);
  const meterProvider = new MeterProvider({ resource, readers: metricReaders });
  const meter = meterProvider.getMeter(TRACER_NAME, TRACER_VERSION);
  if (metricReaders.length > 0) metrics.setGlobalMeterProvider(meterProvider);

  const chosen: ChosenExporter[] = options.traceExporters
    ? options.traceExporters.map((exporter) => ({ kind: 'console' as const, exporter, target: exporter.constructor.name }))
    : chooseTraceExporters(env, warn, options.outDir);
  const droppedCounter = meter.createCounter(METRIC_OPENJOULES_EXPORT_DROPPED_SPANS, {
    unit: '{span}',
    description: 'Spans dropped because the export queue was full or the exporter failed.',
  });
  const exportProcessors: SpanProcessor[] = chosen.map(
    (c) =>
      new ReportingBatchSpanProcessor(c.exporter, {
        target: c.target,
        droppedCounter,
        warn,
        ...(options.scheduledDelayMillis !== undefined ? { scheduledDelayMillis: options.scheduledDelayMillis } : {}),
      }),
  );
  const next: SpanProcessor = exportProcessors.length === 1 ? exportProcessors[0]! : new FanOutSpanProcessor(exportProcessors);
  const processor = new LateEnergySpanProcessor(next);

  const provider = new TracerProvider({ resource, spanProcessors: [processor] });
  const releaseGlobals = registerGlobals(provider);

  let sampler: EnergySampler | undefined;
  let unregisterHw: (() => void) | undefined;
  let stopping = false;
  const ready = samplerReady.then(async (started) => {
    if (stopping) {
      await started?.shutdown().catch(() => undefined);
      return;
    }
    sampler = started;
    if (started) {
      unregisterHw = registerHardwareMetrics(meter, () => started.latestReadings());
      processor.attach(new EnergySpanProcessor({ timeline: started.timeline, next, meter, finalize }));
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
        const step = async (what: string, work: () => Promise<unknown> | unknown): Promise<void> => {
          try {
            await work();
          } catch (error) {
            diag.warn(`openjoules: ${what} failed during shutdown: ${(error as Error).message}`);
          }
        };
        await ready;
        await step('span export', () => provider.shutdown());
        // Release the global API we registered, so a later start (or the host's own SDK) can register.
        releaseGlobals();
        unregisterHw?.();
        await step('metrics', () => meterProvider.shutdown());
        if (metricReaders.length > 0) metrics.disable();
        await step('energy sampler', () => sampler?.shutdown());
      })()),
  };
}

/**
 * Registers the tracer provider, an AsyncLocalStorage context manager (context through `await`) and the W3C trace
 * context and baggage propagators with the OpenTelemetry API, as the SDK's `NodeSDK.start()` does; what another SDK
 * registered first is left in place. Returns what undoes our registrations.
 */
function registerGlobals(provider: TracerProvider): () => void {
  const contextManager = new AsyncLocalStorageContextManager().enable();
  const ownContext = context.setGlobalContextManager(contextManager);
  if (!ownContext) contextManager.disable();
  const ownPropagation = propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
  const ownTrace = trace.setGlobalTracerProvider(provider);
  return () => {
    if (ownTrace) trace.disable();
    if (ownContext) {
      context.disable();
      contextManager.disable();
    }
    if (ownPropagation) propagation.disable();
  };
}

/**
 * Sends spans to the exporters until the energy processor is attached, then through it. A span keeps the path it
 * started on, so a span open across the switch is not handed to a processor that never saw it start.
 */
class LateEnergySpanProcessor implements SpanProcessor {
  private _energy: SpanProcessor | undefined;
  private readonly _early = new WeakSet<object>();

  constructor(private readonly _next: SpanProcessor) {}

  attach(energy: SpanProcessor): void {
    this._energy = energy;
  }

  onStart(span: Span, parentContext: Context): void {
    if (this._energy) return this._energy.onStart(span, parentContext);
    this._early.add(span);
    this._next.onStart(span, parentContext);
  }

  onEnding(span: Span): void {
    this._pathOf(span).onEnding?.(span);
  }

  onEnd(span: ReadableSpan): void {
    this._pathOf(span).onEnd(span);
  }

  forceFlush(): Promise<void> {
    return (this._energy ?? this._next).forceFlush();
  }

  shutdown(): Promise<void> {
    return (this._energy ?? this._next).shutdown();
  }

  private _pathOf(span: object): SpanProcessor {
    return this._energy && !this._early.has(span) ? this._energy : this._next;
  }
}

async function startSampler(
  energy: OpenJoulesOptions['energy'],
  env: NodeJS.ProcessEnv,
  warn: (message: string) => void,
): Promise<EnergySampler | undefined> {
  if (energy === false) return undefined;
  try {
    if (Array.isArray(energy)) return energy.length > 0 ? startInProcessSampler([...energy]) : undefined;
    const config = (energy as EnergyConfig | undefined) ?? energyConfigFromEnv(env, warn);
    if (config.sources === 'none') return undefined;
    const sampler = await startEnergySampler(config);
    if (sampler.status().devices.length === 0) {
      const reasons = sampler.status().unavailable.map((u) => `${u.source}: ${u.reason}`);
      warn(`openjoules: no energy source found; spans carry no joules (${reasons.join('; ') || 'nothing detected'})`);
      await sampler.shutdown();
      return undefined;
    }
    return sampler;
  } catch (error) {
    warn(`openjoules: energy sampler failed to start (${(error as Error).message}); spans carry no joules`);
    return undefined;
  }
}

function buildResource(options: OpenJoulesOptions, env: NodeJS.ProcessEnv, energyAttributes: DetectedResourceAttributes): Resource {
  const detected = detectResources({ detectors: [envDetector, hostDetector, processDetector] });
  const serviceName = options.serviceName ?? env.OTEL_SERVICE_NAME?.trim();
  let resource = defaultResource().merge(detected).merge(resourceFromAttributes(energyAttributes));
  if (options.resourceAttributes) resource = resource.merge(resourceFromAttributes(options.resourceAttributes));
  if (serviceName) resource = resource.merge(resourceFromAttributes({ 'service.name': serviceName }));
  return resource;
}

/** OTEL_METRICS_EXPORTER: `otlp`, `prometheus`, `none` (comma list). Unset: `otlp` when an OTLP endpoint is set, else none. */
function chooseMetricReaders(env: NodeJS.ProcessEnv, warn: (message: string) => void): IMetricReader[] {
  const hasEndpoint = Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT?.trim());
  const names = (env.OTEL_METRICS_EXPORTER?.trim() || (hasEndpoint ? 'otlp' : 'none'))
    .split(',')
    .map((n) => n.trim().toLowerCase())
    .filter(Boolean);
  if (names.includes('none')) return [];
  const readers: IMetricReader[] = [];
  for (const name of new Set(names)) {
    if (name === 'otlp') {
      readers.push(
        new PeriodicExportingMetricReader({
          exporter: new OTLPMetricExporter(otlpExporterConfig(env, 'metrics')),
          exportIntervalMillis: Number(env.OTEL_METRIC_EXPORT_INTERVAL) || 60_000,
        }),
      );
    } else if (name === 'prometheus') {
      const port = Number(env.OTEL_EXPORTER_PROMETHEUS_PORT) || PrometheusExporter.DEFAULT_OPTIONS.port;
      const host = env.OTEL_EXPORTER_PROMETHEUS_HOST?.trim() || '127.0.0.1';
      readers.push(new PrometheusExporter({ port, host }));
    } else {
      warn(`openjoules: OTEL_METRICS_EXPORTER "${name}" is not supported (otlp, prometheus, none); ignored`);
    }
  }
  return readers;
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
