/**
 * Adds attributes to spans inside OTLP/JSON documents as they were read, leaving every other field as it was
 * (resource, scope, ids, times as decimal strings, events, links, flags): the output replays into a Collector
 * exactly like the input, plus the joules.
 */
import type { OtlpAnyValue, OtlpKeyValue, OtlpTraceRequest } from '../../runtime/otlp/encode.js';

/** Attributes to set on one span, already in OTLP/JSON form. */
export type SpanAnnotation = readonly OtlpKeyValue[];

/** The lookup key of a span: trace id and span id, lowercase. */
export function spanKey(traceId: string, spanId: string): string {
  return `${traceId.toLowerCase()}:${spanId.toLowerCase()}`;
}

/** A double attribute (always `doubleValue`, so a whole number of joules keeps its type). */
export function doubleAttribute(key: string, value: number): OtlpKeyValue {
  return { key, value: { doubleValue: value } };
}

/** An int64 attribute (OTLP/JSON carries it as a decimal string). */
export function intAttribute(key: string, value: number): OtlpKeyValue {
  return { key, value: { intValue: String(Math.trunc(value)) } };
}

/** A string attribute. */
export function stringAttribute(key: string, value: string): OtlpKeyValue {
  return { key, value: { stringValue: value } };
}

/** A string-array attribute. */
export function stringArrayAttribute(key: string, values: readonly string[]): OtlpKeyValue {
  const array: OtlpAnyValue = { arrayValue: { values: values.map((v) => ({ stringValue: v })) } };
  return { key, value: array };
}

/**
 * Sets `annotations`' attributes on the matching spans of one parsed document (in place; an attribute the span
 * already has is replaced). Returns how many spans it changed, and adds their keys to `applied` when given. A document
 * that is not a trace document is left alone.
 */
export function annotateTraceDocument(doc: unknown, annotations: ReadonlyMap<string, SpanAnnotation>, applied?: Set<string>): number {
  if (typeof doc !== 'object' || doc === null || !Array.isArray((doc as OtlpTraceRequest).resourceSpans)) return 0;
  let changed = 0;
  for (const rs of (doc as OtlpTraceRequest).resourceSpans) {
    for (const ss of Array.isArray(rs?.scopeSpans) ? rs.scopeSpans : []) {
      for (const span of Array.isArray(ss?.spans) ? ss.spans : []) {
        if (typeof span?.traceId !== 'string' || typeof span.spanId !== 'string') continue;
        const key = spanKey(span.traceId, span.spanId);
        const add = annotations.get(key);
        if (!add) continue;
        applied?.add(key);
        const replaced = new Set(add.map((kv) => kv.key));
        const kept = Array.isArray(span.attributes) ? span.attributes.filter((kv) => !replaced.has(kv?.key)) : [];
        span.attributes = [...kept, ...add];
        changed++;
      }
    }
  }
  return changed;
}
