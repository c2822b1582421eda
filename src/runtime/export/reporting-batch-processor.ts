import { diag, TraceFlags, type Context, type Counter } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import {
  BatchSpanProcessor,
  type BatchSpanProcessorOptions,
  type ReadableSpan,
  type Span,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import { settleWithin } from './settle-within.js';

/** Options of {@link ReportingBatchSpanProcessor}: the batch settings plus where to report loss. */
export interface ReportingBatchOptions extends Omit<BatchSpanProcessorOptions, 'exporter'> {
  /** Names the destination in messages, e.g. `OTLP http://localhost:4318/v1/traces`. */
  readonly target?: string;
  /** Counts dropped spans as the `openjoules.export.dropped_spans` metric when given. */
  readonly droppedCounter?: Counter;
  /** Where the one-line reports go; default `console.warn`, so a user sees loss without configuring diag. */
  readonly warn?: (message: string) => void;
  /**
   * Longest `shutdown` waits for the last exports, ms; default 30000 (the SDK's export timeout). What is still
   * unsent then is counted (`unsentAtShutdown`) and reported, and shutdown resolves.
   */
  readonly shutdownTimeoutMillis?: number;
}

/** Spans lost on the way to a backend, by cause. */
export interface DropCounts {
  /** Dropped because the queue was full (the backend is slower than the agent). */
  readonly queueFull: number;
  /** Handed to the exporter, which failed (backend down, timeout, rejected). */
  readonly exportFailed: number;
  /** Still queued or being exported when shutdown stopped waiting (`shutdownTimeoutMillis`). */
  readonly unsentAtShutdown: number;
}

/**
 * The SDK's BatchSpanProcessor (bounded queue, export off the hot path) with loss made visible: spans dropped for
 * a full queue or a failed export are counted, the first loss is reported in one line, and `shutdown` reports the
 * totals once. An endpoint that is down or slow never blocks the agent; it only costs the spans that do not fit.
 * Shutdown is bounded (`shutdownTimeoutMillis`): what has not been sent by then is counted, not waited for.
 * Batch settings default to the SDK's (queue 2048, batch 512, delay 5000 ms); `startOpenJoules` reads OTEL_BSP_*.
 */
export class ReportingBatchSpanProcessor implements SpanProcessor {
  private readonly _inner: BatchSpanProcessor;
  private readonly _maxQueueSize: number;
  private readonly _target: string;
  private readonly _warn: (message: string) => void;
  private readonly _counter?: Counter;
  private readonly _shutdownTimeoutMs: number;
  private _accepted = 0;
  private _handedToExporter = 0;
  private _exported = 0;
  private _queueFull = 0;
  private _exportFailed = 0;
  private _unsentAtShutdown = 0;
  private _reportedFirst = false;
  private _shuttingDown = false;
  private _lastError = '';

  constructor(exporter: SpanExporter, options: ReportingBatchOptions = {}) {
    const { target, droppedCounter, warn, shutdownTimeoutMillis, ...buffer } = options;
    this._maxQueueSize = buffer.maxQueueSize ?? 2048; // the SDK's default
    this._shutdownTimeoutMs = shutdownTimeoutMillis ?? 30_000;
    this._target = target ?? exporter.constructor.name;
    this._warn = warn ?? ((message) => console.warn(message));
    this._counter = droppedCounter;
    this._inner = new BatchSpanProcessor({ ...buffer, exporter: this._wrap(exporter), maxQueueSize: this._maxQueueSize });
  }

  /** Spans lost so far. */
  get dropped(): DropCounts {
    return { queueFull: this._queueFull, exportFailed: this._exportFailed, unsentAtShutdown: this._unsentAtShutdown };
  }

  onStart(span: Span, parentContext: Context): void {
    this._inner.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    // The batch processor drops a span when its queue (spans not yet handed to the exporter) is full.
    if (this._accepted - this._handedToExporter >= this._maxQueueSize) this._drop('queueFull', 1, 'export queue full');
    else this._accepted++;
    this._inner.onEnd(span);
  }

  /** Never rejects: a failed export is already counted and reported. */
  async forceFlush(): Promise<void> {
    await this._inner.forceFlush().catch(() => undefined);
  }

  /**
   * Exports what is queued and shuts the exporter down, waiting at most `shutdownTimeoutMillis`; then reports the
   * spans lost, once, in one line. Never rejects.
   */
  async shutdown(): Promise<void> {
    // Losses from here on are reported in the one line below, not as they happen.
    this._shuttingDown = true;
    await settleWithin(this._inner.shutdown(), this._shutdownTimeoutMs);
    // Neither exported nor failed: still queued, or in an export that has not answered (or that the batch
    // processor's own export timeout gave up on).
    this._unsentAtShutdown = Math.max(0, this._accepted - this._exported - this._exportFailed);
    const total = this._queueFull + this._exportFailed + this._unsentAtShutdown;
    if (total === 0) return;
    if (this._unsentAtShutdown > 0) {
      this._counter?.add(this._unsentAtShutdown, { reason: 'shutdown_timeout' });
    }
    const unsent = this._unsentAtShutdown > 0 ? `, unsent at shutdown (waited up to ${this._shutdownTimeoutMs} ms): ${this._unsentAtShutdown}` : '';
    this._warn(
      `openjoules: ${total} span(s) dropped on the way to ${this._target} ` +
        `(queue full: ${this._queueFull}, export failed: ${this._exportFailed}${unsent}${this._lastError ? `; last error: ${this._lastError}` : ''})`,
    );
  }

  private _drop(kind: 'queueFull' | 'exportFailed', count: number, reason: string): void {
    if (kind === 'queueFull') this._queueFull += count;
    else this._exportFailed += count;
    this._counter?.add(count, { reason: kind === 'queueFull' ? 'queue_full' : 'export_failed' });
    if (!this._reportedFirst && !this._shuttingDown) {
      this._reportedFirst = true;
      this._warn(`openjoules: dropping spans for ${this._target} (${reason}); the agent goes on, the total is reported at shutdown`);
    }
    diag.debug(`openjoules: dropped ${count} span(s): ${reason}`);
  }

  private _wrap(exporter: SpanExporter): SpanExporter {
    return {
      export: (spans: ReadableSpan[], done: (result: ExportResult) => void) => {
        this._handedToExporter += spans.length;
        try {
          exporter.export(spans, (result) => {
            if (result.code === ExportResultCode.SUCCESS) this._exported += spans.length;
            else {
              this._lastError = result.error?.message ?? 'unknown error';
              this._drop('exportFailed', spans.length, `export failed: ${this._lastError}`);
            }
            done(result);
          });
        } catch (error) {
          this._lastError = (error as Error).message;
          this._drop('exportFailed', spans.length, `export threw: ${this._lastError}`);
          done({ code: ExportResultCode.FAILED, error: error as Error });
        }
      },
      shutdown: () => exporter.shutdown(),
      forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
    };
  }
}
