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

/** Options of {@link ReportingBatchSpanProcessor}: the batch settings plus where to report loss. */
export interface ReportingBatchOptions extends Omit<BatchSpanProcessorOptions, 'exporter'> {
  /** Names the destination in messages, e.g. `OTLP http://localhost:4318/v1/traces`. */
  readonly target?: string;
  /** Counts dropped spans as the `openjoules.export.dropped_spans` metric when given. */
  readonly droppedCounter?: Counter;
  /** Where the one-line reports go; default `console.warn`, so a user sees loss without configuring diag. */
  readonly warn?: (message: string) => void;
}

/** Spans lost on the way to a backend, by cause. */
export interface DropCounts {
  /** Dropped because the queue was full (the backend is slower than the agent). */
  readonly queueFull: number;
  /** Handed to the exporter, which failed (backend down, timeout, rejected). */
  readonly exportFailed: number;
}

/**
 * The SDK's BatchSpanProcessor (bounded queue, export off the hot path) with loss made visible: spans dropped for
 * a full queue or a failed export are counted, the first loss is reported in one line, and `shutdown` reports the
 * totals once. An endpoint that is down or slow never blocks the agent; it only costs the spans that do not fit.
 */
export class ReportingBatchSpanProcessor implements SpanProcessor {
  private readonly _inner: BatchSpanProcessor;
  private readonly _maxQueueSize: number;
  private readonly _target: string;
  private readonly _warn: (message: string) => void;
  private readonly _counter?: Counter;
  private _accepted = 0;
  private _handedToExporter = 0;
  private _queueFull = 0;
  private _exportFailed = 0;
  private _reportedFirst = false;
  private _lastError = '';

  constructor(exporter: SpanExporter, options: ReportingBatchOptions = {}) {
    const { target, droppedCounter, warn, ...buffer } = options;
    // Same default as the SDK reads from OTEL_BSP_MAX_QUEUE_SIZE.
    this._maxQueueSize = buffer.maxQueueSize ?? (Number(process.env.OTEL_BSP_MAX_QUEUE_SIZE) || 2048);
    this._target = target ?? exporter.constructor.name;
    this._warn = warn ?? ((message) => console.warn(message));
    this._counter = droppedCounter;
    this._inner = new BatchSpanProcessor({ ...buffer, exporter: this._wrap(exporter), maxQueueSize: this._maxQueueSize });
  }

  /** Spans lost so far. */
  get dropped(): DropCounts {
    return { queueFull: this._queueFull, exportFailed: this._exportFailed };
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

  /** Never rejects: a failed export is already counted and reported, once, here. */
  async shutdown(): Promise<void> {
    try {
      await this._inner.shutdown().catch(() => undefined);
    } finally {
      const total = this._queueFull + this._exportFailed;
      if (total > 0) {
        this._warn(
          `openjoules: ${total} span(s) dropped on the way to ${this._target} ` +
            `(queue full: ${this._queueFull}, export failed: ${this._exportFailed}${this._lastError ? `; last error: ${this._lastError}` : ''})`,
        );
      }
    }
  }

  private _drop(kind: 'queueFull' | 'exportFailed', count: number, reason: string): void {
    if (kind === 'queueFull') this._queueFull += count;
    else this._exportFailed += count;
    this._counter?.add(count, { reason: kind === 'queueFull' ? 'queue_full' : 'export_failed' });
    if (!this._reportedFirst) {
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
            if (result.code !== ExportResultCode.SUCCESS) {
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
