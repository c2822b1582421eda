// Real SDK spans (BasicTracerProvider + InMemorySpanExporter) from a small tree description, written as OTLP/JSON
// lines the way our exporter and the Collector's file exporter write them. Shared by the summary, stats and export tests.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { encodeTraceRequest } from '../../src/runtime/otlp/encode.js';

/** One span of a tree; times in ms from {@link BASE_MS}. */
export interface SpanSpec {
  name: string;
  start: number;
  end: number;
  attributes?: Attributes;
  error?: string;
  /** Events by name (at the span's start) or as [name, ms from BASE_MS]. */
  events?: Array<string | [string, number]>;
  children?: SpanSpec[];
}

/** A fixed epoch so times are exact. */
export const BASE_MS = 1_700_000_000_000;

/** Finished SDK spans for each tree (one tree = one trace), with `resource` when given. */
export function makeSpans(trees: SpanSpec[], resource?: Attributes): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    ...(resource ? { resource: resourceFromAttributes(resource) } : {}),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('openjoules-test');
  const open = (spec: SpanSpec, parent: Span | undefined): void => {
    const span = tracer.startSpan(
      spec.name,
      { kind: SpanKind.INTERNAL, startTime: BASE_MS + spec.start, attributes: spec.attributes },
      parent ? trace.setSpan(ROOT_CONTEXT, parent) : ROOT_CONTEXT,
    );
    for (const event of spec.events ?? []) {
      const [name, at] = typeof event === 'string' ? [event, spec.start] : event;
      span.addEvent(name, {}, BASE_MS + at);
    }
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

/** Writes the trees as one OTLP/JSON line per trace into `dir/name` and returns the path. */
export function writeSpanTrees(
  dir: string,
  name: string,
  trees: SpanSpec[],
  options: { resource?: Attributes; transform?: (line: string) => string } = {},
): string {
  const path = join(dir, name);
  const transform = options.transform ?? ((line: string) => line);
  writeFileSync(path, trees.map((tree) => `${transform(JSON.stringify(encodeTraceRequest(makeSpans([tree], options.resource))))}\n`).join(''));
  return path;
}
