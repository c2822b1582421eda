import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { PeriodicExportingMetricReader, type IMetricReader } from '@opentelemetry/sdk-metrics';
import { buildOtlpExporter, otlpExporterConfig } from './otlp-config.js';
import type { ProblemReporter } from './problem-reporter.js';

const DEFAULT_EXPORT_INTERVAL_MS = 60_000;
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
      const built = config ? buildOtlpExporter('metrics', () => new OTLPMetricExporter(config)) : { problem: settings.problem! };
      if (!built.exporter) {
        report(built.problem, 'OTLP metrics are off');
        continue;
      }
      const interval = positiveMillis(env, 'OTEL_METRIC_EXPORT_INTERVAL', DEFAULT_EXPORT_INTERVAL_MS, warn);
      const timeout = positiveMillis(env, 'OTEL_METRIC_EXPORT_TIMEOUT', DEFAULT_EXPORT_TIMEOUT_MS, warn);
      // The reader throws when the timeout is longer than the interval.
      readers.push(new PeriodicExportingMetricReader({ exporter: built.exporter, exportIntervalMillis: interval, exportTimeoutMillis: Math.min(timeout, interval, maxExportMillis) }));
    } else if (name === 'prometheus') {
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
