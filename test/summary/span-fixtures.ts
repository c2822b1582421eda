// Builds real SDK spans (BasicTracerProvider + InMemorySpanExporter) from a small tree description and writes them
// as OTLP/JSON lines, the way our exporter and the Collector's file exporter do.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { encodeTraceRequest } from '../../src/otlp/encode.js';

/** One span of a fixture tree; times in ms from the trace's base time. */
export interface SpanSpec {
  name: string;
  start: number;
  end: number;
  attributes?: Attributes;
  error?: string;
  events?: string[];
  children?: SpanSpec[];
}

/** An arbitrary fixed epoch so times are exact. */
export const BASE_MS = 1_700_000_000_000;

/** Makes finished SDK spans for each tree (one tree = one trace). */
export function makeSpans(trees: SpanSpec[]): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer('openjoules-test');
  const open = (spec: SpanSpec, parent: Span | undefined): void => {
    const span = tracer.startSpan(
      spec.name,
      { kind: SpanKind.INTERNAL, startTime: BASE_MS + spec.start, attributes: spec.attributes },
      parent ? trace.setSpan(ROOT_CONTEXT, parent) : ROOT_CONTEXT,
    );
    for (const event of spec.events ?? []) span.addEvent(event, {}, BASE_MS + spec.start);
    for (const child of spec.children ?? []) open(child, span);
    if (spec.error !== undefined) {
      span.setAttribute('error.type', spec.error);
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end(BASE_MS + spec.end);
  };
  for (const tree of trees) open(tree, undefined);
  return exporter.getFinishedSpans();
}

/** A temp directory for one test. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'openjoules-summary-'));
}

/** Writes the trees as one OTLP/JSON line per trace into `dir/name` and returns the path. */
export function writeSpansFile(dir: string, name: string, trees: SpanSpec[], transform: (line: string) => string = (l) => l): string {
  const path = join(dir, name);
  const lines = trees.map((tree) => transform(JSON.stringify(encodeTraceRequest(makeSpans([tree])))));
  writeFileSync(path, lines.map((l) => `${l}\n`).join(''));
  return path;
}

/** Rewrites a Collector-style line (int64 as decimal strings) with plain JSON numbers, as other writers do. */
export function int64AsNumbers(line: string): string {
  return line.replace(/"(startTimeUnixNano|endTimeUnixNano|timeUnixNano|intValue)":"(\d+)"/g, '"$1":$2');
}

// Span builders in the shape our span API makes.
export const agent = (start: number, end: number, attributes: Attributes = {}, children: SpanSpec[] = []): SpanSpec => ({
  name: 'invoke_agent demo',
  start,
  end,
  attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'demo', ...attributes },
  children,
});
export const workflow = (start: number, end: number, attributes: Attributes = {}, children: SpanSpec[] = []): SpanSpec => ({
  name: 'invoke_workflow demo',
  start,
  end,
  attributes: { 'gen_ai.operation.name': 'invoke_workflow', 'gen_ai.agent.name': 'demo', ...attributes },
  children,
});
export const chat = (start: number, end: number, input: number, output: number, attributes: Attributes = {}, children: SpanSpec[] = []): SpanSpec => ({
  name: 'chat m',
  start,
  end,
  attributes: {
    'gen_ai.operation.name': 'chat',
    'gen_ai.request.model': 'm',
    'gen_ai.usage.input_tokens': input,
    'gen_ai.usage.output_tokens': output,
    ...attributes,
  },
  children,
});
export const tool = (name: string, start: number, end: number, attributes: Attributes = {}, children: SpanSpec[] = []): SpanSpec => ({
  name: `execute_tool ${name}`,
  start,
  end,
  attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': name, ...attributes },
  children,
});
