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

/**
 * The fair-share rule integrated in 1 µs steps over every span of every process given (all on one device drawing
 * `watts(tMs)`): span name → joules. The reference the sweep's exact answer is checked against.
 */
export function bruteForceShares(trees: SpanSpec[][], watts: (tMs: number) => number): Map<string, number> {
  interface Flat { name: string; start: number; end: number; parent: number }
  const flat: Flat[] = [];
  const walk = (spec: SpanSpec, parent: number): void => {
    const i = flat.push({ name: spec.name, start: spec.start, end: spec.end, parent }) - 1;
    for (const c of spec.children ?? []) walk(c, i);
  };
  for (const process of trees) for (const tree of process) walk(tree, -1);
  const out = new Map<string, number>(flat.map((f) => [f.name, 0]));
  const step = 0.001;
  const lo = Math.min(...flat.map((f) => f.start));
  const hi = Math.max(...flat.map((f) => f.end));
  for (let t = lo + step / 2; t < hi; t += step) {
    const running = flat.map((f) => f.start <= t && t < f.end);
    const leaves = flat.map((f, i) => running[i] && !flat.some((c, j) => c.parent === i && running[j]));
    const count = leaves.filter(Boolean).length;
    if (count === 0) continue;
    const share = (watts(t) * step) / 1000 / count;
    flat.forEach((f, i) => {
      if (!leaves[i]) return;
      for (let a = i; a >= 0 && running[a]; a = flat[a]!.parent) out.set(flat[a]!.name, out.get(flat[a]!.name)! + share);
    });
  }
  return out;
}

/** Each process's trees as records with its own resource (`process.pid` 1000, 1001, ...). */
export function processRecords(trees: SpanSpec[][]): SpanRecord[] {
  return trees.flatMap((t, p) => records(t, { 'service.name': 'agent', 'process.pid': 1000 + p }));
}

/** A span's `energy.attributed.joules`. */
export function attributedJoules(span: SpanRecord): number {
  return span.attributes['energy.attributed.joules'] as number;
}
