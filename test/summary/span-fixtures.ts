// Builds real SDK spans (BasicTracerProvider + InMemorySpanExporter) from a small tree description and writes them
// as OTLP/JSON lines, the way our exporter and the Collector's file exporter do.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Attributes } from '@opentelemetry/api';
import { writeSpanTrees, type SpanSpec } from '../helpers/span-trees.js';

export { BASE_MS, makeSpans, type SpanSpec } from '../helpers/span-trees.js';

/** A temp directory for one test. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'openjoules-summary-'));
}

/** Writes the trees as one OTLP/JSON line per trace into `dir/name` and returns the path. */
export function writeSpansFile(dir: string, name: string, trees: SpanSpec[], transform: (line: string) => string = (l) => l): string {
  return writeSpanTrees(dir, name, trees, { transform });
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
