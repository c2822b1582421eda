import { diag } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { encodeTraceRequest } from '../otlp/encode.js';
import { makeDirectory } from './make-directory.js';

/** Most spans one line (one ExportTraceServiceRequest) carries; a bigger export is written as several lines. */
export const SPANS_PER_LINE = 512;

/**
 * Longest the exporter encodes in one go before it lets the event loop run, ms: long enough that the writer keeps
 * pace with an agent making tens of thousands of spans a second, short enough to be no worse than a minor GC pause.
 */
const ENCODE_SLICE_MS = 5;

/** Options of {@link JsonlSpanExporter}. */
export interface JsonlSpanExporterOptions {
  /** The file to append to. Default: `<outDir>/traces-<UTC time>-<pid>.jsonl`, a new file per process. */
  readonly file?: string;
  /** Directory for the default file name. Default `./openjoules-out`. */
  readonly outDir?: string;
}

/**
 * Writes spans as OTLP/JSON lines, the exact format of the OpenTelemetry Collector's file exporter: one
 * `ExportTraceServiceRequest` per line, one line per export call of up to {@link SPANS_PER_LINE} spans (more make
 * more lines). `openjoules summary` and `rollup` read both. Writes are asynchronous and chained, and a big export is
 * encoded a line at a time, so the event loop never waits long on the disk or on JSON.
 *
 * The first write that fails (the directory cannot be made, the disk is full, the file is not writable) turns the
 * exporter off: that export and every later one fail at once with the same error, without touching the disk again,
 * so a broken target costs one error, not one per batch.
 */
export class JsonlSpanExporter implements SpanExporter {
  /** The file spans are written to. */
  readonly file: string;
  private _pending: Promise<void> = Promise.resolve();
  private _shutdown = false;
  private _handle: Promise<FileHandle> | undefined;
  private _failure: Error | undefined;

  constructor(options: JsonlSpanExporterOptions = {}) {
    this.file = options.file ?? join(options.outDir ?? 'openjoules-out', defaultFileName());
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    if (this._shutdown) {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('JsonlSpanExporter is shut down') });
      return;
    }
    if (this._failure) {
      resultCallback({ code: ExportResultCode.FAILED, error: this._failure });
      return;
    }
    this._pending = this._pending.then(() =>
      this._write(spans).then(
        () => resultCallback({ code: ExportResultCode.SUCCESS }),
        (error: Error) => resultCallback({ code: ExportResultCode.FAILED, error }),
      ),
    );
  }

  /** Resolves when every line handed to the exporter so far is on disk (or has failed). */
  forceFlush(): Promise<void> {
    return this._pending;
  }

  /** Writes what is pending and closes the file. */
  async shutdown(): Promise<void> {
    this._shutdown = true;
    await this._pending;
    const handle = await this._handle?.catch(() => undefined);
    await handle?.close().catch(() => undefined);
  }

  /**
   * Encodes `spans` a line of at most {@link SPANS_PER_LINE} at a time, letting the event loop run whenever encoding
   * has taken {@link ENCODE_SLICE_MS} (a big batch would otherwise hold the agent up for as long as its JSON takes),
   * then appends the lines in one write.
   */
  private async _write(spans: readonly ReadableSpan[]): Promise<void> {
    if (this._failure) throw this._failure;
    const lines: string[] = [];
    let turnStarted = performance.now();
    for (let i = 0; i < spans.length; i += SPANS_PER_LINE) {
      if (performance.now() - turnStarted > ENCODE_SLICE_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        turnStarted = performance.now();
      }
      lines.push(JSON.stringify(encodeTraceRequest(spans.slice(i, i + SPANS_PER_LINE))) + '\n');
    }
    if (spans.length === 0) lines.push(JSON.stringify(encodeTraceRequest([])) + '\n');
    try {
      const handle = await (this._handle ??= this._open());
      await handle.appendFile(lines.join(''));
    } catch (error) {
      this._failure = new Error(`cannot write ${this.file}: ${(error as Error).message}; no more spans are written there`);
      diag.error(`openjoules: ${this._failure.message}`);
      throw this._failure;
    }
  }

  private async _open(): Promise<FileHandle> {
    await makeDirectory(dirname(this.file));
    return open(this.file, 'a');
  }
}

function defaultFileName(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `traces-${stamp}-${process.pid}.jsonl`;
}
