import { context, diag, metrics, propagation, trace, type Attributes, type Meter } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { defaultResource, detectResources, envDetector, hostDetector, processDetector, resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader, type IMetricReader } from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
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
import { EnergySpanProcessor } from '../trace/energy-span-processor.js';
import { TRACER_NAME, TRACER_VERSION } from '../trace/tracer.js';
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

/**
 * Starts OpenTelemetry with openjoules in front: every span gains joules from the energy sampler, spans go to the
 * exporters chosen from the environment (OTLP when an endpoint is set, else JSONL files), and hardware and energy
 * metrics go to OTLP or Prometheus when asked (OTEL_METRICS_EXPORTER). Never throws: a part that cannot start is
 * reported in one line and left out.
 */
export async function startOpenJoules(options: OpenJoulesOptions = {}): Promise<OpenJoules> {
  const env = options.env ?? process.env;
  const warn = options.warn ?? ((message: string) => console.warn(message));

  const sampler = await startSampler(options.energy, env, warn);
  const status = sampler?.status();
  const energyAttributes: Attributes = {};
  if (status) {
    energyAttributes[ATTR_OPENJOULES_ENERGY_SOURCES] = [...new Set(status.devices.map((d) => d.source))];
    energyAttributes[ATTR_OPENJOULES_ENERGY_DEVICES] = status.devices.map((d) => `${d.id}=${d.name} (${d.method})`);
    energyAttributes[ATTR_OPENJOULES_ENERGY_UNAVAILABLE] = status.unavailable.map((u) => `${u.source}: ${u.reason}`);
  }
  const resource = await buildResource(options, env, energyAttributes);

  const metricReaders = chooseMetricReaders(env, warn);
  const meterProvider = new MeterProvider({ resource, readers: metricReaders });
  const meter = meterProvider.getMeter(TRACER_NAME, TRACER_VERSION);
  if (metricReaders.length > 0) metrics.setGlobalMeterProvider(meterProvider);
  const unregisterHw = sampler ? registerHardwareMetrics(meter, () => sampler.latestReadings()) : undefined;

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
  const processor: SpanProcessor = sampler ? new EnergySpanProcessor({ timeline: sampler.timeline, next, meter }) : next;

  const sdk = new NodeSDK({ resource, autoDetectResources: false, spanProcessors: [processor], metricReaders: [] });
  sdk.start();

  let stopped: Promise<void> | undefined;
  return {
    sampler,
    targets: chosen.map((c) => c.target),
    jsonlFile: chosen.find((c) => c.kind === 'jsonl')?.target,
    meter,
    forceFlush: async () => {
      await processor.forceFlush().catch(() => undefined);
      await meterProvider.forceFlush().catch(() => undefined);
    },
    shutdown: () =>
      (stopped ??= (async () => {
        const step = async (what: string, work: () => Promise<unknown> | unknown): Promise<void> => {
          try {
            await work();
          } catch (error) {
            diag.warn(`openjoules: ${what} failed during shutdown: ${(error as Error).message}`);
          }
        };
        await step('span export', () => sdk.shutdown());
        // NodeSDK registered the global API; release it so a later start (or the host's own SDK) can register.
        trace.disable();
        context.disable();
        propagation.disable();
        unregisterHw?.();
        await step('metrics', () => meterProvider.shutdown());
        if (metricReaders.length > 0) metrics.disable();
        await step('energy sampler', () => sampler?.shutdown());
      })()),
  };
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

async function buildResource(options: OpenJoulesOptions, env: NodeJS.ProcessEnv, energyAttributes: Attributes): Promise<Resource> {
  const detected = detectResources({ detectors: [envDetector, hostDetector, processDetector] });
  await detected.waitForAsyncAttributes?.();
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
          exporter: new OTLPMetricExporter(),
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
