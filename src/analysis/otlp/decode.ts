import type { OtlpAnyValue, OtlpKeyValue } from '../../runtime/otlp/encode.js';
import type { AttrValue, SpanRecord } from './span-record.js';

/**
 * Turns one parsed OTLP/JSON document (a Collector file-exporter line or one of our JSONL lines) into span records.
 * Returns the spans it could decode and a reason for each it could not; a span with a bad field is skipped, its
 * siblings are kept. Accepts int64 as decimal strings (the Collector) or numbers (other writers).
 */
export function decodeTraceDocument(doc: unknown): { spans: SpanRecord[]; problems: string[] } {
  const spans: SpanRecord[] = [];
  const problems: string[] = [];
  if (!isObject(doc)) {
    problems.push('not a JSON object');
    return { spans, problems };
  }
  if (!('resourceSpans' in doc)) {
    // Metrics and logs lines of a Collector file share the file format; they hold no spans.
    if ('resourceMetrics' in doc || 'resourceLogs' in doc) return { spans, problems };
    problems.push('no "resourceSpans" (not an OTLP/JSON trace document)');
    return { spans, problems };
  }
  if (!Array.isArray(doc.resourceSpans)) {
    problems.push('"resourceSpans" is not an array');
    return { spans, problems };
  }
  for (const rs of doc.resourceSpans) {
    if (!isObject(rs)) {
      problems.push('a resourceSpans entry is not an object');
      continue;
    }
    const resource = isObject(rs.resource) ? decodeAttributes(rs.resource.attributes) : {};
    for (const ss of Array.isArray(rs.scopeSpans) ? rs.scopeSpans : []) {
      if (!isObject(ss)) continue;
      const scopeName = isObject(ss.scope) && typeof ss.scope.name === 'string' ? ss.scope.name : undefined;
      for (const raw of Array.isArray(ss.spans) ? ss.spans : []) {
        const span = decodeSpan(raw, resource, scopeName);
        if (typeof span === 'string') problems.push(span);
        else spans.push(span);
      }
    }
  }
  return { spans, problems };
}

function decodeSpan(raw: unknown, resource: Record<string, AttrValue>, scopeName: string | undefined): SpanRecord | string {
  if (!isObject(raw)) return 'a span is not an object';
  const { traceId, spanId, name } = raw;
  if (typeof traceId !== 'string' || !isHex(traceId, 32)) return `span "${String(name)}": traceId is not 32 hex digits`;
  if (typeof spanId !== 'string' || !isHex(spanId, 16)) return `span "${String(name)}": spanId is not 16 hex digits`;
  if (typeof name !== 'string') return `span ${spanId}: name is not a string`;
  const startMs = nanosToMs(raw.startTimeUnixNano);
  const endMs = nanosToMs(raw.endTimeUnixNano);
  if (startMs === undefined) return `span "${name}" (${spanId}): missing or invalid startTimeUnixNano`;
  if (endMs === undefined) return `span "${name}" (${spanId}): missing or invalid endTimeUnixNano`;
  const status = isObject(raw.status) ? raw.status : NO_STATUS;
  const events = decodeEvents(raw.events);
  const parentSpanId = typeof raw.parentSpanId === 'string' && raw.parentSpanId !== '' ? raw.parentSpanId : undefined;
  return {
    traceId: lower(traceId),
    spanId: lower(spanId),
    parentSpanId: parentSpanId === undefined ? undefined : lower(parentSpanId),
    name,
    kind: typeof raw.kind === 'number' ? raw.kind : kindFromString(raw.kind),
    startMs,
    endMs,
    attributes: decodeAttributes(raw.attributes),
    resource,
    scopeName,
    statusCode: typeof status.code === 'number' ? status.code : statusFromString(status.code),
    statusMessage: typeof status.message === 'string' ? status.message : undefined,
    events,
  };
}

/** Span events; most spans have none and share one frozen empty list instead of allocating one each. */
export function decodeEvents(list: unknown): SpanRecord['events'] {
  if (!Array.isArray(list) || list.length === 0) return NO_EVENTS;
  const events: SpanRecord['events'][number][] = [];
  for (const event of list) {
    if (!isObject(event)) continue;
    const timeMs = nanosToMs(event.timeUnixNano);
    if (timeMs === undefined || typeof event.name !== 'string') continue;
    events.push({ name: event.name, timeMs, attributes: decodeAttributes(event.attributes) });
  }
  return events;
}

/** Decimal-string or number nanoseconds → epoch ms, without going through a lossy 19-digit float. */
export function nanosToMs(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value / 1e6 : undefined;
  if (typeof value !== 'string') return undefined;
  const n = value.length;
  if (n === 0 || n > 20) return undefined;
  // One pass over the digits (no regex, no slices: this runs twice per span). The high part has at most 14 digits,
  // so it accumulates exactly, the same value Number() of the slice gives.
  const split = n > 6 ? n - 6 : 0;
  let high = 0;
  let low = 0;
  for (let i = 0; i < n; i++) {
    const d = value.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return undefined;
    if (i < split) high = high * 10 + d;
    else low = low * 10 + d;
  }
  return split === 0 ? low / 1e6 : high + low / 1e6;
}

/** OTLP/JSON `KeyValue[]` → a flat record; entries without a string key or a known value type are left out. */
export function decodeAttributes(list: unknown): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = {};
  if (!Array.isArray(list)) return out;
  for (let i = 0; i < list.length; i++) {
    const kv = list[i] as OtlpKeyValue | null;
    if (typeof kv !== 'object' || kv === null || typeof kv.key !== 'string') continue;
    const raw = kv.value;
    // The common case first (a string), without the general decoder's checks.
    const value = raw !== null && typeof raw === 'object' && typeof raw.stringValue === 'string' ? raw.stringValue : decodeValue(raw);
    if (value !== undefined) out[kv.key] = value;
  }
  return out;
}

function decodeValue(value: OtlpAnyValue | undefined): AttrValue | undefined {
  if (!isObject(value)) return undefined;
  if (typeof value.stringValue === 'string') return value.stringValue;
  if (typeof value.boolValue === 'boolean') return value.boolValue;
  if (value.intValue !== undefined) {
    const n = Number(value.intValue);
    return Number.isFinite(n) ? n : undefined;
  }
  if (value.doubleValue !== undefined) {
    const n = Number(value.doubleValue);
    return Number.isFinite(n) || typeof value.doubleValue === 'string' ? n : undefined;
  }
  if (isObject(value.arrayValue)) {
    const values = Array.isArray(value.arrayValue.values) ? value.arrayValue.values : [];
    return values.map((v) => decodeValue(v)).filter((v): v is string | number | boolean => v !== undefined && !Array.isArray(v));
  }
  if (isObject(value.kvlistValue)) return JSON.stringify(value.kvlistValue);
  return undefined;
}

const KINDS = ['SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER'];
function kindFromString(value: unknown): number {
  const i = KINDS.indexOf(String(value));
  return i < 0 ? 0 : i;
}
const STATUSES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];
function statusFromString(value: unknown): number {
  const i = STATUSES.indexOf(String(value));
  return i < 0 ? 0 : i;
}

const NO_STATUS: Record<string, unknown> = Object.freeze({});
const NO_EVENTS: readonly never[] = Object.freeze([]);

/** True when `value` is exactly `length` hex digits (either case); a loop, as a regex here costs more per span. */
function isHex(value: string, length: number): boolean {
  if (value.length !== length) return false;
  for (let i = 0; i < length; i++) {
    const c = value.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70))) return false;
  }
  return true;
}

/** Lowercases an id only when it has uppercase hex (OTLP/JSON writers emit lowercase, so this rarely copies). */
function lower(id: string): string {
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    if (c >= 65 && c <= 70) return id.toLowerCase();
  }
  return id;
}

// Parsed JSON is untyped by nature; the callers check each field's type before use.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function isObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
