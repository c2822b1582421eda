// Real SDK spans → OTLP/JSON (our Collector-file encoding) → SpanRecords, as every command reads them.
import type { Attributes } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { decodeTraceDocument } from '../../src/analysis/otlp/decode.js';
import { encodeTraceRequest } from '../../src/runtime/otlp/encode.js';
import type { SpanRecord } from '../../src/analysis/otlp/span-record.js';
import { makeSpans, type SpanSpec } from '../helpers/span-trees.js';

export { BASE_MS, type SpanSpec } from '../helpers/span-trees.js';

/** Finished SDK spans round-tripped through OTLP/JSON. */
export function roundTrip(spans: readonly ReadableSpan[]): SpanRecord[] {
  const { spans: out, problems } = decodeTraceDocument(JSON.parse(JSON.stringify(encodeTraceRequest(spans))));
  if (problems.length > 0) throw new Error(problems.join('; '));
  return out;
}

/** Span trees (one trace each) written by one process with `resource`, read back as records. */
export function records(trees: SpanSpec[], resource: Attributes = { 'service.name': 'agent' }): SpanRecord[] {
  return roundTrip(makeSpans(trees, resource));
}

/** A span spec with attributes and children, times in ms from BASE_MS. */
export function node(name: string, start: number, end: number, attributes: Attributes = {}, children: SpanSpec[] = []): SpanSpec {
  return { name, start, end, attributes, children };
}

/** The record named `name` (exactly one). */
export function named(spans: readonly SpanRecord[], name: string): SpanRecord {
  const found = spans.filter((s) => s.name === name);
  if (found.length !== 1) throw new Error(`expected one span "${name}", got ${found.length}`);
  return found[0]!;
}
