/**
 * OTLP/HTTP exporter settings for one signal, read from the standard OTEL_EXPORTER_OTLP_* variables and checked before
 * an exporter is built: the SDK's exporter throws from its constructor on an endpoint that is not a URL, and sends a
 * header name that is not an HTTP token on every request (each one then fails). A setting that would do either makes
 * the signal's OTLP export unusable (`problem`); a malformed pair or timeout is ignored with a note (`notes`).
 */

import type { ProblemReporter } from './problem-reporter.js';

/** The signals openjoules exports over OTLP. */
export type OtlpSignal = 'traces' | 'metrics';

/** The exporter's default per-export timeout, as the specification sets it. */
export const DEFAULT_OTLP_TIMEOUT_MS = 10_000;

/** Checked settings for one signal. */
export interface OtlpSignalConfig {
  /** Where the exporter posts (`…/v1/traces`); absent when `problem` is set. */
  readonly url?: string;
  /** Headers to send, decoded and checked. */
  readonly headers: Record<string, string>;
  /** Longest one export may take, retries included, ms. */
  readonly timeoutMillis: number;
  /** Why OTLP export of this signal cannot work: `VARIABLE "value" is …`, for a one-line message. */
  readonly problem?: OtlpSettingProblem;
  /** Settings that were ignored (a malformed header pair, a bad timeout), each `VARIABLE …; what happens`. */
  readonly notes: readonly OtlpSettingProblem[];
}

/** One bad variable, with what it means. */
export interface OtlpSettingProblem {
  /** The variable's name, e.g. `OTEL_EXPORTER_OTLP_ENDPOINT`: one message per variable. */
  readonly variable: string;
  /** What is wrong, e.g. `OTEL_EXPORTER_OTLP_ENDPOINT "notaurl" is not an http(s) URL`. */
  readonly message: string;
}

// RFC 9110 token characters, and the header value characters Node accepts (no control characters but tab).
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
// setTimeout stores a 32-bit signed count of ms; longer timers fire at once (Node prints a warning).
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Reads the endpoint, headers and timeout for `signal` from `env` (which may not be process.env:
 * `startOpenJoules({ env })`). The signal's own endpoint is used as is; the base one gets `/v1/<signal>`. Headers are
 * `k=v,k2=v2` with URL-encoded values, the signal's own variable winning per key. Never throws.
 */
export function otlpSignalConfig(env: NodeJS.ProcessEnv, signal: OtlpSignal): OtlpSignalConfig {
  const notes: OtlpSettingProblem[] = [];
  const SIGNAL = signal.toUpperCase();
  const headers: Record<string, string> = {};
  let problem: OtlpSettingProblem | undefined;
  for (const variable of ['OTEL_EXPORTER_OTLP_HEADERS', `OTEL_EXPORTER_OTLP_${SIGNAL}_HEADERS`]) {
    const parsed = parseHeaders(variable, env[variable]);
    Object.assign(headers, parsed.headers);
    if (parsed.note) notes.push(parsed.note);
    problem ??= parsed.problem;
  }
  const timeoutMillis = parseTimeout(env, SIGNAL, notes);
  const endpoint = parseEndpoint(env, signal);
  problem = endpoint.problem ?? problem;
  return { ...(problem ? {} : { url: endpoint.url }), headers, timeoutMillis, ...(problem ? { problem } : {}), notes };
}

/** The URL the OTLP/HTTP exporter posts `signal` to by the specification's rules, checked or not. */
export function otlpUrl(env: NodeJS.ProcessEnv, signal: OtlpSignal): string {
  const own = env[`OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_ENDPOINT`]?.trim();
  if (own) return own;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || 'http://localhost:4318';
  return `${base.replace(/\/+$/, '')}/v1/${signal}`;
}

function parseEndpoint(env: NodeJS.ProcessEnv, signal: OtlpSignal): { url: string; problem?: OtlpSettingProblem } {
  const ownVariable = `OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_ENDPOINT`;
  const variable = env[ownVariable]?.trim() ? ownVariable : 'OTEL_EXPORTER_OTLP_ENDPOINT';
  const raw = env[variable]?.trim();
  const url = otlpUrl(env, signal);
  // The base endpoint is checked before `/v1/<signal>` is appended: `http://` plus a path would parse.
  const reason = raw === undefined || raw === '' ? undefined : urlProblem(raw);
  return reason ? { url, problem: { variable, message: `${variable} "${raw}" ${reason}` } } : { url };
}

function urlProblem(text: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    return 'is not an http(s) URL';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return `is not an http(s) URL (scheme ${parsed.protocol})`;
  if (!parsed.hostname) return 'has no host';
  return undefined;
}

function parseHeaders(
  variable: string,
  text: string | undefined,
): { headers: Record<string, string>; note?: OtlpSettingProblem; problem?: OtlpSettingProblem } {
  const headers: Record<string, string> = {};
  const skipped: string[] = [];
  const unusable: string[] = [];
  for (const pair of (text ?? '').split(',')) {
    if (!pair.trim()) continue;
    const eq = pair.indexOf('=');
    let name: string;
    let value: string;
    try {
      name = decodeURIComponent(pair.slice(0, Math.max(eq, 0)).trim());
      value = decodeURIComponent(pair.slice(eq + 1).trim());
    } catch {
      skipped.push(pair.trim()); // a malformed %-escape: the SDK skips it too
      continue;
    }
    if (eq <= 0 || !name || !value) skipped.push(pair.trim());
    else if (!HEADER_NAME.test(name) || !HEADER_VALUE.test(value)) unusable.push(name);
    else headers[name] = value;
  }
  const quoted = (xs: string[]) => xs.map((x) => JSON.stringify(x)).join(', ');
  return {
    headers,
    ...(skipped.length > 0 ? { note: { variable, message: `${variable}: ${quoted(skipped)} not key=value with URL-encoded parts; ignored` } } : {}),
    // The SDK's exporter reads this variable itself and would send the header on every request, each one failing.
    ...(unusable.length > 0 ? { problem: { variable, message: `${variable}: header ${quoted(unusable)} has a name or value HTTP does not allow` } } : {}),
  };
}

function parseTimeout(env: NodeJS.ProcessEnv, SIGNAL: string, notes: OtlpSettingProblem[]): number {
  for (const variable of [`OTEL_EXPORTER_OTLP_${SIGNAL}_TIMEOUT`, 'OTEL_EXPORTER_OTLP_TIMEOUT']) {
    const text = env[variable]?.trim();
    if (!text) continue;
    const ms = Number(text);
    if (Number.isFinite(ms) && ms > 0) return Math.min(ms, MAX_TIMER_MS);
    notes.push({ variable, message: `${variable} "${text}" is not a positive number of ms; using ${DEFAULT_OTLP_TIMEOUT_MS}` });
  }
  return DEFAULT_OTLP_TIMEOUT_MS;
}

/** Settings an OTLP/HTTP exporter is built from. */
export interface OtlpExporterConfig {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly timeoutMillis: number;
}

/**
 * OTLP/HTTP exporter settings for `signal` read from `env` (which may not be process.env: `startOpenJoules({ env })`),
 * checked; notes (ignored settings) go to `report`. `config` is absent when the settings cannot work (`problem`). The
 * timeout, the longest one export may take with its retries, is capped at `maxExportMillis`, so an export under way
 * at shutdown ends within the shutdown bound.
 */
export function otlpExporterConfig(
  env: NodeJS.ProcessEnv,
  signal: OtlpSignal,
  report: ProblemReporter = () => {},
  maxExportMillis = Infinity,
): { config?: OtlpExporterConfig; url: string; problem?: OtlpSettingProblem } {
  const settings = otlpSignalConfig(env, signal);
  for (const note of settings.notes) report(note);
  if (settings.problem || !settings.url) return { url: otlpUrl(env, signal), problem: settings.problem };
  return { config: { url: settings.url, headers: settings.headers, timeoutMillis: Math.min(settings.timeoutMillis, maxExportMillis) }, url: settings.url };
}

/** Builds an exporter from checked settings; should a later SDK still reject them, the problem instead of a throw. */
export function buildOtlpExporter<T>(
  signal: OtlpSignal,
  build: () => T,
): { exporter: T; problem?: undefined } | { exporter?: undefined; problem: OtlpSettingProblem } {
  try {
    return { exporter: build() };
  } catch (error) {
    return { problem: { variable: `OTEL_EXPORTER_OTLP_${signal.toUpperCase()}`, message: `the OTLP ${signal} exporter rejected its settings (${(error as Error).message})` } };
  }
}
