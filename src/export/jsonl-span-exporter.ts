import { diag } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { encodeTraceRequest } from '../otlp/encode.js';

/** Options of {@link JsonlSpanExporter}. */
export interface JsonlSpanExporterOptions {
  /** The file to append to. Default: `<outDir>/traces-<UTC time>-<pid>.jsonl`, a new file per process. */
  readonly file?: string;
  /** Directory for the default file name. Default `./openjoules-out`. */
  readonly outDir?: string;
}

/**
 * Writes spans as OTLP/JSON lines, the exact format of the OpenTelemetry Collector's file exporter: one
 * `ExportTraceServiceRequest` per line, one line per export call. `openjoules summary` and `rollup` read both.
 * Writes are asynchronous and chained, so the event loop never waits on the disk.
 */
export class JsonlSpanExporter implements SpanExporter {
  /** The file spans are written to. */
  readonly file: string;
  private _pending: Promise<void> = Promise.resolve();
  private _shutdown = false;
  private _dirReady = false;

  constructor(options: JsonlSpanExporterOptions = {}) {
    this.file = options.file ?? join(options.outDir ?? 'openjoules-out', defaultFileName());
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    if (this._shutdown) {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('JsonlSpanExporter is shut down') });
      return;
    }
    let line: string;
    try {
      line = JSON.stringify(encodeTraceRequest(spans)) + '\n';
    } catch (error) {
      resultCallback({ code: ExportResultCode.FAILED, error: error as Error });
      return;
    }
    this._pending = this._pending.then(async () => {
      try {
        if (!this._dirReady) {
          await mkdir(dirname(this.file), { recursive: true });
          this._dirReady = true;
        }
        await appendFile(this.file, line);
        resultCallback({ code: ExportResultCode.SUCCESS });
      } catch (error) {
        diag.error(`openjoules: cannot write spans to ${this.file}: ${(error as Error).message}`);
        resultCallback({ code: ExportResultCode.FAILED, error: error as Error });
      }
    });
  }

  /** Resolves when every line handed to the exporter so far is on disk. */
  forceFlush(): Promise<void> {
    return this._pending;
  }

  async shutdown(): Promise<void> {
    this._shutdown = true;
    await this._pending;
  }
}

function defaultFileName(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `traces-${stamp}-${process.pid}.jsonl`;
}
