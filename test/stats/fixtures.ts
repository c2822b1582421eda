// Real SDK spans (BasicTracerProvider + InMemorySpanExporter) with a resource, encoded with encodeTraceRequest into
// OTLP/JSON lines files, for the stats and export-data tests.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Attributes } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { makeSpans as makeSpanTrees, writeSpanTrees, type SpanSpec } from '../helpers/span-trees.js';

export { BASE_MS, type SpanSpec } from '../helpers/span-trees.js';

/** The resource our SDK writes on a machine with one H100 measured by NVML. */
export const H100_RESOURCE: Attributes = {
  'service.name': 'agent',
  'openjoules.energy.devices': ['nvml:0=NVIDIA H100 80GB HBM3 (counter)', 'rapl:intel-rapl:0=package-0 (counter)'],
};

/** Finished SDK spans for each tree (one tree = one trace), with the H100 resource by default. */
export function makeSpans(trees: SpanSpec[], resource: Attributes = H100_RESOURCE): ReadableSpan[] {
  return makeSpanTrees(trees, resource);
}

/** A temp folder for one test. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'openjoules-stats-'));
}

/** Writes the trees as one OTLP/JSON line per trace into `dir/name`; returns the path. */
export function writeSpansFile(dir: string, name: string, trees: SpanSpec[], resource: Attributes = H100_RESOURCE): string {
  return writeSpanTrees(dir, name, trees, { resource });
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
