// Real SDK spans from named services, written as the OTLP/JSON lines the Collector's file exporter writes.
import { writeFileSync } from 'node:fs';
import type { Tracer } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { encodeTraceRequest } from '../../../src/runtime/otlp/encode.js';
import { readSpanRecords } from '../../../src/analysis/otlp/read-spans.js';
import type { SpanRecord } from '../../../src/analysis/otlp/span-record.js';

/** One tracer per service; `jsonl()` gives every finished span, one line per service. */
export class ServiceSpans {
  private readonly _exporters: InMemorySpanExporter[] = [];
  private readonly _providers: TracerProvider[] = [];

  /** A tracer whose spans carry `service.name` = `service`. */
  tracer(service: string): Tracer {
    const exporter = new InMemorySpanExporter();
    this._exporters.push(exporter);
    const provider = new TracerProvider({ resource: resourceFromAttributes({ 'service.name': service }), spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    this._providers.push(provider);
    return provider.getTracer('serving-test');
  }

  /** The spans as OTLP/JSON lines (a SimpleSpanProcessor exports asynchronously: flushed first). */
  async jsonl(): Promise<string> {
    await Promise.all(this._providers.map((p) => p.forceFlush()));
    return this._exporters
      .filter((e) => e.getFinishedSpans().length > 0)
      .map((e) => `${JSON.stringify(encodeTraceRequest(e.getFinishedSpans()))}\n`)
      .join('');
  }

  /** Writes the spans to `path`. */
  async write(path: string): Promise<string> {
    writeFileSync(path, await this.jsonl());
    return path;
  }
}

/** Every span of OTLP/JSON lines files, as the CLI reads them. */
export async function readRecords(paths: readonly string[]): Promise<SpanRecord[]> {
  const out: SpanRecord[] = [];
  for await (const span of readSpanRecords(paths, { strict: true })) out.push(span);
  return out;
}
