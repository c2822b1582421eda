// Real SDK spans (BasicTracerProvider + InMemorySpanExporter) with a resource, encoded with encodeTraceRequest into
// OTLP/JSON lines files, for the stats and export-data tests.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { encodeTraceRequest } from '../../src/otlp/encode.js';

/** One span of a tree; times in ms from {@link BASE_MS}. */
export interface SpanSpec {
  name: string;
  start: number;
  end: number;
  attributes?: Attributes;
  error?: string;
  /** Events as [name, ms from BASE_MS]. */
  events?: Array<[string, number]>;
  children?: SpanSpec[];
}

/** A fixed epoch so times are exact. */
export const BASE_MS = 1_700_000_000_000;

/** The resource our SDK writes on a machine with one H100 measured by NVML. */
export const H100_RESOURCE: Attributes = {
  'service.name': 'agent',
  'openjoules.energy.devices': ['nvml:0=NVIDIA H100 80GB HBM3 (counter)', 'rapl:intel-rapl:0=package-0 (counter)'],
};

/** Finished SDK spans for each tree (one tree = one trace). */
export function makeSpans(trees: SpanSpec[], resource: Attributes = H100_RESOURCE): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ resource: resourceFromAttributes(resource), spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer('openjoules-test');
  const open = (spec: SpanSpec, parent: Span | undefined): void => {
    const span = tracer.startSpan(
      spec.name,
      { kind: SpanKind.INTERNAL, startTime: BASE_MS + spec.start, attributes: spec.attributes },
      parent ? trace.setSpan(ROOT_CONTEXT, parent) : ROOT_CONTEXT,
    );
    for (const [name, at] of spec.events ?? []) span.addEvent(name, {}, BASE_MS + at);
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

/** A temp folder for one test. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'openjoules-stats-'));
}

/** Writes the trees as one OTLP/JSON line per trace into `dir/name`; returns the path. */
export function writeSpansFile(dir: string, name: string, trees: SpanSpec[], resource: Attributes = H100_RESOURCE): string {
  const path = join(dir, name);
  writeFileSync(path, trees.map((tree) => `${JSON.stringify(encodeTraceRequest(makeSpans([tree], resource)))}\n`).join(''));
  return path;
}

export const agent = (start: number, end: number, attributes: Attributes = {}, children: SpanSpec[] = []): SpanSpec => ({
  name: 'invoke_agent demo',
  start,
  end,
  attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'demo', ...attributes },
  children,
});

export const chat = (
  model: string,
  start: number,
  end: number,
  input: number,
  output: number,
  attributes: Attributes = {},
  extra: Partial<SpanSpec> = {},
): SpanSpec => ({
  name: `chat ${model}`,
  start,
  end,
  attributes: {
    'gen_ai.operation.name': 'chat',
    'gen_ai.request.model': model,
    'gen_ai.usage.input_tokens': input,
    'gen_ai.usage.output_tokens': output,
    ...attributes,
  },
  ...extra,
});

export const tool = (name: string, start: number, end: number, attributes: Attributes = {}): SpanSpec => ({
  name: `execute_tool ${name}`,
  start,
  end,
  attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': name, ...attributes },
});
