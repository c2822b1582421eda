import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { ConsoleSpanExporter, type SpanExporter } from '@opentelemetry/sdk-trace';
import { JsonlSpanExporter } from '../export/jsonl-span-exporter.js';

/** A trace exporter chosen from the environment, with a name for messages. */
export interface ChosenExporter {
  readonly kind: 'otlp' | 'jsonl' | 'console';
  readonly exporter: SpanExporter;
  /** Where spans go, e.g. `OTLP http://localhost:4318/v1/traces` or `openjoules-out/traces-….jsonl`. */
  readonly target: string;
}

/** Default JSONL directory when OPENJOULES_OUT_DIR is not set. */
export const DEFAULT_OUT_DIR = 'openjoules-out';

/**
 * Chooses trace exporters the way the OpenTelemetry SDK does, plus our `jsonl`:
 * OTEL_TRACES_EXPORTER is a comma list of `otlp`, `jsonl`, `console`, `none`. Unset, it is `otlp` when an OTLP
 * endpoint is configured (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) and otherwise the
 * embedded default, `jsonl`: Collector file-exporter lines in OPENJOULES_OUT_DIR (default ./openjoules-out).
 * The OTLP exporter reads its endpoint, headers, timeout and compression from the standard OTEL_EXPORTER_OTLP_* variables.
 */
export function chooseTraceExporters(env: NodeJS.ProcessEnv, warn: (message: string) => void, outDir?: string): ChosenExporter[] {
  const hasEndpoint = Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim());
  const requested = (env.OTEL_TRACES_EXPORTER?.trim() || (hasEndpoint ? 'otlp' : 'jsonl'))
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  if (requested.includes('none')) return [];
  const chosen: ChosenExporter[] = [];
  for (const name of new Set(requested)) {
    if (name === 'otlp') {
      const protocol = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? '').trim();
      if (protocol && protocol !== 'http/json' && protocol !== 'http/protobuf') {
        warn(`openjoules: OTEL_EXPORTER_OTLP_PROTOCOL=${protocol} is not supported; sending OTLP over http/json`);
      }
      chosen.push({ kind: 'otlp', exporter: new OTLPTraceExporter(otlpExporterConfig(env, 'traces')), target: `OTLP ${otlpTracesUrl(env)}` });
    } else if (name === 'jsonl') {
      const exporter = new JsonlSpanExporter({ outDir: outDir ?? (env.OPENJOULES_OUT_DIR?.trim() || DEFAULT_OUT_DIR) });
      chosen.push({ kind: 'jsonl', exporter, target: exporter.file });
    } else if (name === 'console') {
      chosen.push({ kind: 'console', exporter: new ConsoleSpanExporter(), target: 'console' });
    } else {
      warn(`openjoules: OTEL_TRACES_EXPORTER "${name}" is not supported (otlp, jsonl, console, none); ignored`);
    }
  }
  return chosen;
}

/** The URL the OTLP/HTTP exporter posts traces to, by the specification's rules. */
export function otlpTracesUrl(env: NodeJS.ProcessEnv): string {
  return otlpUrl(env, 'traces');
}

/** The URL for one signal: its own endpoint variable as is, else the base endpoint plus `/v1/<signal>`. */
export function otlpUrl(env: NodeJS.ProcessEnv, signal: 'traces' | 'metrics'): string {
  const own = env[`OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_ENDPOINT`]?.trim();
  if (own) return own;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || 'http://localhost:4318';
  return `${base.replace(/\/+$/, '')}/v1/${signal}`;
}

/**
 * OTLP/HTTP exporter settings read from `env` (which may not be process.env: `startOpenJoules({ env })`): endpoint,
 * headers (`k=v,k2=v2`, URL-encoded values; the signal's own variable wins per key) and timeout.
 */
export function otlpExporterConfig(
  env: NodeJS.ProcessEnv,
  signal: 'traces' | 'metrics',
): { url: string; headers: Record<string, string>; timeoutMillis?: number } {
  const headers: Record<string, string> = {};
  for (const text of [env.OTEL_EXPORTER_OTLP_HEADERS, env[`OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_HEADERS`]]) {
    for (const pair of (text ?? '').split(',')) {
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      try {
        headers[decodeURIComponent(pair.slice(0, eq).trim())] = decodeURIComponent(pair.slice(eq + 1).trim());
      } catch {
        // A malformed escape: skip that header rather than fail the exporter.
      }
    }
  }
  const timeout = Number(env[`OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_TIMEOUT`] ?? env.OTEL_EXPORTER_OTLP_TIMEOUT);
  return { url: otlpUrl(env, signal), headers, ...(Number.isFinite(timeout) && timeout > 0 ? { timeoutMillis: timeout } : {}) };
}
