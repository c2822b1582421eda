import type * as OtlpMetricsModule from '@opentelemetry/exporter-metrics-otlp-http';
import type * as PrometheusModule from '@opentelemetry/exporter-prometheus';
import { PeriodicExportingMetricReader, type IMetricReader } from '@opentelemetry/sdk-metrics';
import { createRequire } from 'node:module';
import { buildOtlpExporter, otlpExporterConfig } from './otlp-config.js';
import type { ProblemReporter } from './problem-reporter.js';

const DEFAULT_EXPORT_INTERVAL_MS = 60_000;

/**
 * The metric exporters are optional peer dependencies: each OpenTelemetry exporter release pins exact versions of the
 * SDK packages it sits on, so as dependencies they installed second copies of core and sdk-metrics into every app,
 * even apps that export no metrics. An app that wants metrics installs the one it uses; they are loaded with
 * `require` here so the pipeline can be built synchronously (`node -r openjoules/register`).
 */
const requireFromHere = createRequire(import.meta.url);

function loadPeer<T>(name: string, report: ProblemReporter, what: string): T | undefined {
  try {
    return requireFromHere(name) as T;
  } catch (error) {
    const code = (error as { code?: string }).code;
    const why = code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND' ? `${name} is not installed (npm i ${name})` : (error as Error).message;
    report({ variable: 'OTEL_METRICS_EXPORTER', message: `${what} metrics are off: ${why}` });
    return undefined;
  }
}

const DEFAULT_EXPORT_TIMEOUT_MS = 30_000;

/**
 * Metric readers chosen from OTEL_METRICS_EXPORTER: `otlp`, `prometheus`, `none` (comma list); unset, `otlp` when an
 * OTLP endpoint is set, else none. OTLP settings are checked as for traces (a bad one is reported once through
 * `report` and leaves OTLP metrics off); each export ends within `maxExportMillis`. Never throws.
 */
export function chooseMetricReaders(
  env: NodeJS.ProcessEnv,
  warn: (message: string) => void,
  report: ProblemReporter,
  maxExportMillis: number,
): IMetricReader[] {
  const hasEndpoint = Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT?.trim());
  const names = (env.OTEL_METRICS_EXPORTER?.trim() || (hasEndpoint ? 'otlp' : 'none'))
    .split(',')
    .map((n) => n.trim().toLowerCase())
    .filter(Boolean);
  if (names.includes('none')) return [];
  const readers: IMetricReader[] = [];
  for (const name of new Set(names)) {
    if (name === 'otlp') {
      const settings = otlpExporterConfig(env, 'metrics', report, maxExportMillis);
      const config = settings.config;
      if (config === undefined) {
        report(settings.problem!, 'OTLP metrics are off');
        continue;
      }
      const otlp = loadPeer<typeof OtlpMetricsModule>('@opentelemetry/exporter-metrics-otlp-http', report, 'OTLP');
      if (!otlp) continue;
      const built = buildOtlpExporter('metrics', () => new otlp.OTLPMetricExporter(config));
      if (!built.exporter) {
        report(built.problem, 'OTLP metrics are off');
        continue;
      }
      const interval = positiveMillis(env, 'OTEL_METRIC_EXPORT_INTERVAL', DEFAULT_EXPORT_INTERVAL_MS, warn);
      const timeout = positiveMillis(env, 'OTEL_METRIC_EXPORT_TIMEOUT', DEFAULT_EXPORT_TIMEOUT_MS, warn);
      // The reader throws when the timeout is longer than the interval.
      readers.push(new PeriodicExportingMetricReader({ exporter: built.exporter, exportIntervalMillis: interval, exportTimeoutMillis: Math.min(timeout, interval, maxExportMillis) }));
    } else if (name === 'prometheus') {
      const prometheus = loadPeer<typeof PrometheusModule>('@opentelemetry/exporter-prometheus', report, 'Prometheus');
      if (!prometheus) continue;
      const { PrometheusExporter } = prometheus;
      const text = env.OTEL_EXPORTER_PROMETHEUS_PORT?.trim();
      let port = PrometheusExporter.DEFAULT_OPTIONS.port;
      if (text) {
        const n = Number(text);
        if (Number.isInteger(n) && n >= 0 && n <= 65_535) port = n;
        else warn(`openjoules: OTEL_EXPORTER_PROMETHEUS_PORT "${text}" is not a port number; using ${port}`);
      }
      const host = env.OTEL_EXPORTER_PROMETHEUS_HOST?.trim() || '127.0.0.1';
      readers.push(new PrometheusExporter({ port, host }));
    } else {
      warn(`openjoules: OTEL_METRICS_EXPORTER "${name}" is not supported (otlp, prometheus, none); ignored`);
    }
  }
  return readers;
}

function positiveMillis(env: NodeJS.ProcessEnv, variable: string, fallback: number, warn: (message: string) => void): number {
  const text = env[variable]?.trim();
  if (!text) return fallback;
  const ms = Number(text);
  if (Number.isFinite(ms) && ms > 0 && ms <= 2 ** 31 - 1) return ms;
  warn(`openjoules: ${variable} "${text}" is not a positive number of ms; using ${fallback}`);
  return fallback;
}
