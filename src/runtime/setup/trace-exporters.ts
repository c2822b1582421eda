import { ConsoleSpanExporter, type SpanExporter } from '@opentelemetry/sdk-trace';
import { JsonlSpanExporter } from '../export/jsonl-span-exporter.js';
import { OtlpHttpJsonExporter } from '../export/otlp-http-json-exporter.js';
import { buildOtlpExporter, otlpExporterConfig, otlpUrl } from './otlp-config.js';
import { reportOncePerVariable, type ProblemReporter } from './problem-reporter.js';

/** A trace exporter chosen from the environment, with a name for messages. */
export interface ChosenExporter {
  readonly kind: 'otlp' | 'jsonl' | 'console';
  readonly exporter: SpanExporter;
  /** Where spans go, e.g. `OTLP http://localhost:4318/v1/traces` or `openjoules-out/traces-….jsonl`. */
  readonly target: string;
}

/** More of what {@link chooseTraceExporters} needs when it is part of a pipeline. */
export interface TraceExporterChoiceOptions {
  /** Longest one OTLP export may take with its retries, ms (the shutdown bound); default OTEL_EXPORTER_OTLP_TIMEOUT. */
  readonly maxExportMillis?: number;
  /** Where problems with settings are reported (shared with the metric readers, so each variable is named once). */
  readonly report?: ProblemReporter;
}

/** Default JSONL directory when OPENJOULES_OUT_DIR is not set. */
export const DEFAULT_OUT_DIR = 'openjoules-out';

/**
 * Chooses trace exporters the way the OpenTelemetry SDK does, plus our `jsonl`:
 * OTEL_TRACES_EXPORTER is a comma list of `otlp`, `jsonl`, `console`, `none`. Unset, it is `otlp` when an OTLP
 * endpoint is configured (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) and otherwise the
 * embedded default, `jsonl`: Collector file-exporter lines in OPENJOULES_OUT_DIR (default ./openjoules-out).
 * The OTLP exporter's endpoint, headers and timeout come from the standard OTEL_EXPORTER_OTLP_* variables, checked
 * first: when they cannot work (an endpoint that is not an http(s) URL, a header HTTP does not allow) the OTLP target
 * is replaced by the JSONL default, so the spans are kept, and one line says so. Each OTLP export, retries included,
 * ends within `maxExportMillis` (the shutdown bound), whatever OTEL_EXPORTER_OTLP_TIMEOUT says.
 */
export function chooseTraceExporters(
  env: NodeJS.ProcessEnv,
  warn: (message: string) => void,
  outDir?: string,
  options: TraceExporterChoiceOptions = {},
): ChosenExporter[] {
  const { maxExportMillis, report = reportOncePerVariable(warn) } = options;
  const hasEndpoint = Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim());
  const requested = (env.OTEL_TRACES_EXPORTER?.trim() || (hasEndpoint ? 'otlp' : 'jsonl'))
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  if (requested.includes('none')) return [];
  const names = [...new Set(requested)];
  const chosen: ChosenExporter[] = [];
  const jsonl = (): ChosenExporter => {
    const exporter = new JsonlSpanExporter({ outDir: outDir ?? (env.OPENJOULES_OUT_DIR?.trim() || DEFAULT_OUT_DIR) });
    return { kind: 'jsonl', exporter, target: exporter.file };
  };
  for (const name of names) {
    if (name === 'otlp') {
      warnUnsupportedProtocol(env, report);
      const settings = otlpExporterConfig(env, 'traces', report, maxExportMillis);
      const config = settings.config;
      const compression = otlpCompression(env, 'traces', report);
      const built = config ? buildOtlpExporter('traces', () => new OtlpHttpJsonExporter({ ...config, compression })) : { problem: settings.problem! };
      if (built.exporter) {
        chosen.push({ kind: 'otlp', exporter: built.exporter, target: `OTLP ${settings.url}` });
      } else if (!names.includes('jsonl')) {
        const fallback = jsonl();
        chosen.push(fallback);
        report(built.problem, `OTLP export is off; spans go to ${fallback.target} instead`);
      } else {
        report(built.problem, 'OTLP export is off; spans still go to the JSONL file');
      }
    } else if (name === 'jsonl') {
      chosen.push(jsonl());
    } else if (name === 'console') {
      chosen.push({ kind: 'console', exporter: new ConsoleSpanExporter(), target: 'console' });
    } else {
      warn(`openjoules: OTEL_TRACES_EXPORTER "${name}" is not supported (otlp, jsonl, console, none); ignored`);
    }
  }
  return chosen;
}

function warnUnsupportedProtocol(env: NodeJS.ProcessEnv, report: ProblemReporter): void {
  const variable = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL?.trim() ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL' : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const protocol = env[variable]?.trim();
  if (protocol && protocol !== 'http/json' && protocol !== 'http/protobuf') {
    report({ variable, message: `${variable}=${protocol} is not supported; sending OTLP over http/json` });
  }
}

/** OTEL_EXPORTER_OTLP_[SIGNAL_]COMPRESSION: `gzip` or `none`; anything else is reported once and means none. */
export function otlpCompression(env: NodeJS.ProcessEnv, signal: 'traces' | 'metrics', report: ProblemReporter): 'gzip' | 'none' {
  const own = `OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_COMPRESSION`;
  const variable = env[own]?.trim() ? own : 'OTEL_EXPORTER_OTLP_COMPRESSION';
  const value = env[variable]?.trim().toLowerCase();
  if (!value || value === 'none') return 'none';
  if (value === 'gzip') return 'gzip';
  report({ variable, message: `${variable}=${value} is not gzip or none; sending uncompressed` });
  return 'none';
}

/** The URL the OTLP/HTTP exporter posts traces to, by the specification's rules. */
export function otlpTracesUrl(env: NodeJS.ProcessEnv): string {
  return otlpUrl(env, 'traces');
}
