// Real SDK spans for the rollup tests: a BasicTracerProvider exporting to memory, encoded with the lead's
// encodeTraceRequest into the same OTLP/JSON lines the Collector's file exporter writes.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { encodeTraceRequest } from '../../src/runtime/otlp/encode.js';
import { readSpanRecords } from '../../src/analysis/otlp/read-spans.js';
import type { SpanRecord } from '../../src/analysis/otlp/span-record.js';

/** Epoch ms of a UTC time written like the seed's naive timestamps, e.g. `2026-04-24T10:00:05`. */
export function at(iso: string): number {
  return Date.parse(`${iso}Z`);
}

export interface SpanSpec {
  name?: string;
  op?: string;
  start: string;
  end: string;
  attrs?: Attributes;
  parent?: Span;
  error?: boolean;
  feedback?: ReadonlyArray<'up' | 'down' | string>;
}

/** Builds spans with a real tracer; `spans()` returns them encoded and decoded back, as the CLI would read them. */
export class SpanFactory {
  readonly exporter = new InMemorySpanExporter();
  private readonly _provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(this.exporter)] });
  private readonly _tracer = this._provider.getTracer('openjoules-rollup-test');

  /** Starts and ends one span at the given UTC times. */
  span(spec: SpanSpec): Span {
    const ctx = spec.parent ? trace.setSpan(context.active(), spec.parent) : context.active();
    const attributes: Attributes = { ...(spec.op ? { 'gen_ai.operation.name': spec.op } : {}), ...spec.attrs };
    const span = this._tracer.startSpan(spec.name ?? spec.op ?? 'span', { startTime: at(spec.start), attributes }, ctx);
    for (const rating of spec.feedback ?? []) span.addEvent('openjoules.feedback', { 'openjoules.feedback.rating': rating }, at(spec.start));
    if (spec.error) span.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
    span.end(at(spec.end));
    return span;
  }

  /** Starts a span that the caller ends (for parents whose children are made first). */
  start(spec: Omit<SpanSpec, 'end'>): Span {
    const ctx = spec.parent ? trace.setSpan(context.active(), spec.parent) : context.active();
    const attributes: Attributes = { ...(spec.op ? { 'gen_ai.operation.name': spec.op } : {}), ...spec.attrs };
    return this._tracer.startSpan(spec.name ?? spec.op ?? 'span', { startTime: at(spec.start), attributes }, ctx);
  }

  /** The finished spans as OTLP/JSON lines, `perLine` spans per line. */
  jsonl(perLine = 100): string {
    const finished = this.exporter.getFinishedSpans();
    const lines: string[] = [];
    for (let i = 0; i < finished.length; i += perLine) lines.push(JSON.stringify(encodeTraceRequest(finished.slice(i, i + perLine))));
    return lines.map((l) => `${l}\n`).join('');
  }

  /** Writes the spans to a fresh temp file and returns its path. */
  writeFile(perLine = 100): string {
    const path = join(tempDir(), 'spans.jsonl');
    writeFileSync(path, this.jsonl(perLine));
    return path;
  }

  /** The spans round-tripped through OTLP/JSON (what the rollup sees from a file). */
  async records(): Promise<SpanRecord[]> {
    const path = this.writeFile();
    const out: SpanRecord[] = [];
    for await (const span of readSpanRecords([path], { strict: true })) out.push(span);
    return out;
  }
}

/** A fresh temp directory. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'oj-rollup-'));
}
