/**
 * OTLP/HTTP with JSON bodies (the OTLP specification's `http/json`), for the process openjoules sets up itself: one
 * `ExportTraceServiceRequest` per batch, encoded by the same code as the JSONL files (../otlp/encode.ts), so what the
 * Collector receives and what the file holds are the same document.
 *
 * Why not @opentelemetry/exporter-trace-otlp-http: each of its releases pins exact versions of its sibling SDK packages
 * (core, sdk-trace, otlp-transformer, ...), and its releases lag theirs, so beside a host's own SDK it installs second
 * copies of them; its transformer also loads some 350 modules at start-up. A host that brings its own SDK keeps its own
 * exporter (openjoules sits in front of or beside it); this one serves `startOpenJoules` and `openjoules/register`.
 *
 * Behaviour, per the OTLP/HTTP specification: POST to the signal URL with the configured headers, optional gzip; 200
 * is success (a partial success is reported once); 429, 502, 503 and 504 are retried with exponential backoff and
 * jitter, honouring Retry-After, within the export's timeout; anything else fails the batch at once. Never throws.
 */
import { diag } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { encodeTraceRequest } from '../otlp/encode.js';

const gzipAsync = promisify(gzip);

/** Options of {@link OtlpHttpJsonExporter}. */
export interface OtlpHttpJsonExporterOptions {
  /** Where to POST, e.g. `http://localhost:4318/v1/traces`. */
  readonly url: string;
  /** Extra request headers (e.g. an API key). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Longest one export may take, retries included, ms; default 10000 (the specification's). */
  readonly timeoutMillis?: number;
  /** `gzip` to compress request bodies; default none. */
  readonly compression?: 'gzip' | 'none';
}

/** Status codes the specification says to retry. */
const RETRYABLE = new Set([429, 502, 503, 504]);
/** First retry delay, ms; doubled each attempt, with jitter. */
const FIRST_BACKOFF_MS = 200;

/** Sends spans as OTLP/HTTP JSON; see the file comment. */
export class OtlpHttpJsonExporter implements SpanExporter {
  readonly url: string;
  private readonly _headers: Record<string, string>;
  private readonly _timeoutMillis: number;
  private readonly _gzip: boolean;
  private readonly _inFlight = new Set<Promise<void>>();
  /** Aborts every request still running when the exporter shuts down. */
  private readonly _abort = new AbortController();
  private _shutdown = false;
  private _reportedPartial = false;

  /** Throws when `url` is not an http(s) URL (the pipeline checks its settings before building one). */
  constructor(options: OtlpHttpJsonExporterOptions) {
    const protocol = new URL(options.url).protocol;
    if (protocol !== 'http:' && protocol !== 'https:') throw new Error(`${options.url} is not an http(s) URL`);
    this.url = options.url;
    this._headers = { ...options.headers, 'content-type': 'application/json' };
    this._timeoutMillis = Math.max(1, options.timeoutMillis ?? 10_000);
    this._gzip = options.compression === 'gzip';
    if (this._gzip) this._headers['content-encoding'] = 'gzip';
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    if (this._shutdown) {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('exporter is shut down') });
      return;
    }
    const sending = this._send(spans).then(
      () => resultCallback({ code: ExportResultCode.SUCCESS }),
      (error: unknown) => resultCallback({ code: ExportResultCode.FAILED, error: error instanceof Error ? error : new Error(String(error)) }),
    );
    this._inFlight.add(sending);
    void sending.finally(() => this._inFlight.delete(sending));
  }

  /** Resolves when every export started so far has finished (each within its timeout). */
  async forceFlush(): Promise<void> {
    await Promise.all([...this._inFlight]);
  }

  /** Waits for the exports in flight (each within its timeout), then refuses new ones. */
  async shutdown(): Promise<void> {
    this._shutdown = true;
    await this.forceFlush();
  }

  /** Stops at once: requests still running are aborted and their batches fail. */
  abort(): void {
    this._shutdown = true;
    this._abort.abort(new Error('exporter aborted at shutdown'));
  }

  private async _send(spans: ReadableSpan[]): Promise<void> {
    const json = JSON.stringify(encodeTraceRequest(spans));
    const body = this._gzip ? await gzipAsync(json) : json;
    const deadline = performance.now() + this._timeoutMillis;
    for (let attempt = 0; ; attempt++) {
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`timed out after ${this._timeoutMillis} ms`);
      const signal = AbortSignal.any([this._abort.signal, AbortSignal.timeout(Math.ceil(left))]);
      let response: Response;
      try {
        response = await fetch(this.url, { method: 'POST', headers: this._headers, body, signal });
      } catch (error) {
        if (this._abort.signal.aborted) throw new Error('aborted at shutdown');
        if (signal.aborted) throw new Error(`timed out after ${this._timeoutMillis} ms`);
        // A refused or reset connection is worth one more try within the deadline, like the SDK's exporter does.
        const inner = (error as { cause?: { code?: string; message?: string; errors?: Array<{ code?: string }> } }).cause;
        const cause = inner?.code ?? inner?.errors?.[0]?.code ?? inner?.message ?? (error as Error).message;
        if (attempt >= 4) throw new Error(`cannot reach ${this.url}: ${cause}`);
        await this._backoff(attempt, undefined, deadline, `cannot reach ${this.url}: ${cause}`);
        continue;
      }
      const text = await response.text().catch(() => '');
      if (response.ok) {
        this._reportPartialSuccess(text);
        return;
      }
      const reason = `HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`;
      if (!RETRYABLE.has(response.status)) throw new Error(reason);
      await this._backoff(attempt, response.headers.get('retry-after'), deadline, reason);
    }
  }

  /** Sleeps before the next attempt, or throws `reason` when the deadline would pass first. */
  private async _backoff(attempt: number, retryAfter: string | null | undefined, deadline: number, reason: string): Promise<void> {
    const asked = retryAfterMs(retryAfter);
    const delay = asked ?? FIRST_BACKOFF_MS * 2 ** attempt * (0.5 + Math.random());
    if (performance.now() + delay >= deadline) throw new Error(reason);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, delay);
      this._abort.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      }, { once: true });
    });
    if (this._abort.signal.aborted) throw new Error('aborted at shutdown');
  }

  private _reportPartialSuccess(text: string): void {
    if (this._reportedPartial || !text) return;
    try {
      const partial = (JSON.parse(text) as { partialSuccess?: { rejectedSpans?: string | number; errorMessage?: string } }).partialSuccess;
      const rejected = Number(partial?.rejectedSpans ?? 0);
      if (rejected > 0 || partial?.errorMessage) {
        this._reportedPartial = true;
        diag.warn(`openjoules: ${this.url} rejected ${rejected} span(s): ${partial?.errorMessage ?? 'no reason given'}`);
      }
    } catch {
      // A 200 with a body that is not JSON is still a success.
    }
  }
}

/** Retry-After as ms: delay-seconds or an HTTP date; undefined when absent or unreadable. */
function retryAfterMs(value: string | null | undefined): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}
