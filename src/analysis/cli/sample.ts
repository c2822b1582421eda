/**
 * `openjoules sample`: the GPU host's side of serving-engine attribution. Samples the devices (the same sampler and
 * sources the SDK uses, OPENJOULES_ENERGY_SOURCES and friends), writes their energy timeline to JSONL files in
 * `--out` for `openjoules attribute`, and with an OTLP endpoint set exports hw.energy / hw.power (and the other
 * hw.* metrics). Runs until SIGTERM / SIGINT (or `--duration-s`), then writes what is final and exits 0.
 */
import { hostname } from 'node:os';
import type { EnergySampler } from '../../runtime/energy/sampler/sampler.js';
import { defineCliCommand } from './command.js';
import { COMMANDS } from './commands.js';
import { EXIT } from './exit-codes.js';
import { envOf, say, type CommandIo } from './io.js';

/** Exit statuses of `openjoules sample`. */
export const SAMPLE_EXIT = {
  /** Sampled until stopped; the timeline is written. */
  OK: EXIT.OK,
  /** Nothing sampled: no device could be opened, or a flag was wrong. */
  FAILED: EXIT.FAILED,
} as const;

/** Default `--out`. */
export const DEFAULT_SAMPLE_OUT = 'openjoules-out/energy-timeline';
/** Default grid step of the timeline file, ms: fine enough to split a 100 ms prefill, ~15 MB per GPU-hour. */
export const DEFAULT_SAMPLE_STEP_MS = 20;
/** How often final grid points are written, ms. */
const WRITE_PERIOD_MS = 250;
/** Default export period of the hw.* metrics when an OTLP endpoint is set, ms (OTEL_METRIC_EXPORT_INTERVAL wins). */
const METRIC_EXPORT_MS = 10_000;
/** Time allowed for the metrics' last export on shutdown, ms. */
const SHUTDOWN_EXPORT_MS = 5_000;

/** Options of `openjoules sample`, parsed. */
export interface SampleCliOptions {
  readonly out: string;
  readonly stepMs: number;
  /** Stop after this many seconds (default: run until a signal). */
  readonly durationS?: number;
  /** OTLP/HTTP base endpoint for the hw.* metrics; default OTEL_EXPORTER_OTLP_(METRICS_)ENDPOINT, else none. */
  readonly otlpEndpoint?: string;
}

/** What a run did. */
export interface SampleRunResult {
  readonly exitCode: number;
  readonly files: readonly string[];
  readonly lines: number;
}

/**
 * Runs the sampler until `stop` resolves (the command passes SIGTERM / SIGINT) or `durationS` passes. stderr: the
 * devices, then one line at the end; stdout: each timeline file as it is created.
 */
export async function runSample(o: SampleCliOptions, io: CommandIo, env: NodeJS.ProcessEnv, stop: Promise<unknown>): Promise<SampleRunResult> {
  const say = (line: string): void => void io.stderr.write(`openjoules sample: ${line}\n`);
  if (!(o.stepMs >= 1 && o.stepMs <= 1000)) {
    say(`--step-ms must be between 1 and 1000, got ${o.stepMs}`);
    return { exitCode: SAMPLE_EXIT.FAILED, files: [], lines: 0 };
  }
  const { energyConfigFromEnv } = await import('../../runtime/energy/sources/config.js');
  const { startEnergySampler } = await import('../../runtime/energy/sampler/sampler.js');
  const { TimelineWriter } = await import('../serving/timeline-writer.js');
  const config = energyConfigFromEnv(env, (w) => say(w));
  const sampler = await startEnergySampler(config);
  const status = sampler.status();
  for (const u of status.unavailable) say(`not used: ${u.source}: ${u.reason}`);
  if (status.devices.length === 0) {
    for (const f of status.faults) say(`fault: ${f}`);
    say('no device to sample; nothing written (see `openjoules devices`)');
    await sampler.shutdown();
    return { exitCode: SAMPLE_EXIT.FAILED, files: [], lines: 0 };
  }
  for (const d of status.devices) say(`sampling ${d.id} (${d.name}, ${d.method}) every ${config.sampleIntervalMs} ms`);

  const metrics = await startMetrics(o, env, sampler, say);
  let printed = 0;
  const writer = new TimelineWriter(sampler.timeline, { dir: o.out, stepMs: o.stepMs, onError: (m) => say(m) });
  const write = (): void => {
    writer.flush();
    for (; printed < writer.files.length; printed++) io.stdout.write(`${writer.files[printed]}\n`);
  };
  const timer = setInterval(write, WRITE_PERIOD_MS);
  let deadline: NodeJS.Timeout | undefined;
  const ended = o.durationS === undefined ? stop : Promise.race([stop, new Promise((resolve) => (deadline = setTimeout(resolve, o.durationS! * 1000)))]);
  await ended;
  clearInterval(timer);
  if (deadline) clearTimeout(deadline);
  write();
  writer.close();
  await sampler.shutdown();
  await metrics?.shutdown();
  say(`stopped; ${writer.lines} sample line(s) in ${writer.files.length} file(s) under ${o.out}`);
  return { exitCode: SAMPLE_EXIT.OK, files: writer.files, lines: writer.lines };
}

/** The hw.* metrics over OTLP/HTTP, when an endpoint is configured; undefined otherwise. */
async function startMetrics(
  o: SampleCliOptions,
  env: NodeJS.ProcessEnv,
  sampler: Pick<EnergySampler, 'latestReadings'>,
  say: (line: string) => void,
): Promise<{ shutdown(): Promise<void> } | undefined> {
  const endpointEnv: NodeJS.ProcessEnv = o.otlpEndpoint ? { ...env, OTEL_EXPORTER_OTLP_ENDPOINT: o.otlpEndpoint, OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: '' } : env;
  if (!endpointEnv.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() && !endpointEnv.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT?.trim()) return undefined;
  const { importOptionalPeer } = await import('../export-data/optional-peer.js');
  let otlp: typeof import('@opentelemetry/exporter-metrics-otlp-http');
  try {
    otlp = await importOptionalPeer('@opentelemetry/exporter-metrics-otlp-http', 'openjoules sample --otlp-endpoint');
  } catch (error) {
    say(`hw.* metrics are not exported: ${(error as Error).message}`);
    return undefined;
  }
  const { MeterProvider, PeriodicExportingMetricReader } = await import('@opentelemetry/sdk-metrics');
  const { resourceFromAttributes } = await import('@opentelemetry/resources');
  const { otlpExporterConfig } = await import('../../runtime/setup/otlp-config.js');
  const { registerHardwareMetrics } = await import('../../runtime/metrics/hw-metrics.js');
  const { TRACER_NAME, TRACER_VERSION } = await import('../../runtime/api/tracer.js');
  const settings = otlpExporterConfig(endpointEnv, 'metrics', (problem) => say(problem.message));
  const exporterConfig = settings.config;
  if (!exporterConfig) {
    say(`hw.* metrics are not exported: ${settings.problem?.message ?? 'no usable OTLP endpoint'}`);
    return undefined;
  }
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME?.trim() || 'openjoules-sample', 'host.name': hostname() }),
    readers: [
      new PeriodicExportingMetricReader({
        exporter: new otlp.OTLPMetricExporter(exporterConfig),
        exportIntervalMillis: Number(env.OTEL_METRIC_EXPORT_INTERVAL) || METRIC_EXPORT_MS,
      }),
    ],
  });
  registerHardwareMetrics(provider.getMeter(TRACER_NAME, TRACER_VERSION), () => sampler.latestReadings());
  say(`exporting hw.energy, hw.power to ${exporterConfig.url}`);
  return {
    shutdown: async () => {
      // The last export is bounded: a Collector that is gone must not hold the exit.
      await Promise.race([provider.shutdown().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, SHUTDOWN_EXPORT_MS).unref())]);
    },
  };
}

export default defineCliCommand({
  meta: { name: 'sample', description: COMMANDS.sample.description },
  args: {
    out: { type: 'string', alias: 'o', description: 'Directory for the timeline files (one per UTC hour)', default: DEFAULT_SAMPLE_OUT },
    'step-ms': { type: 'string', description: `Milliseconds between timeline lines (default ${DEFAULT_SAMPLE_STEP_MS}; sampling itself follows OPENJOULES_SAMPLE_INTERVAL_MS)`, default: String(DEFAULT_SAMPLE_STEP_MS) },
    'duration-s': { type: 'string', description: 'Stop after this many seconds (default: until SIGTERM or SIGINT)' },
    'otlp-endpoint': { type: 'string', description: 'Export hw.energy / hw.power to this OTLP/HTTP endpoint (default: OTEL_EXPORTER_OTLP_ENDPOINT, else none)' },
  },
  async run({ args, io }): Promise<SampleRunResult> {
    const duration = args['duration-s'] === undefined ? undefined : Number(args['duration-s']);
    if (duration !== undefined && !(duration > 0)) {
      say(io.stderr, `openjoules sample: --duration-s must be a number of seconds > 0, got "${args['duration-s']}"`);
      return { exitCode: SAMPLE_EXIT.FAILED, files: [], lines: 0 };
    }
    const stop = new Promise<string>((resolve) => {
      process.once('SIGTERM', () => resolve('SIGTERM'));
      process.once('SIGINT', () => resolve('SIGINT'));
    });
    const result = await runSample(
      { out: args.out, stepMs: Number(args['step-ms']), durationS: duration, otlpEndpoint: args['otlp-endpoint'] },
      io,
      envOf(io),
      stop,
    );
    return result;
  },
});
