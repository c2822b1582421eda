import type { Attributes, AttributeValue, HrTime } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';

/**
 * Encodes finished spans as one OTLP/JSON `ExportTraceServiceRequest`, byte-for-byte the shape the OpenTelemetry
 * Collector's file exporter writes: lowercase hex ids, int64 values (timestamps, intValue) as decimal strings,
 * enums as integers, zero and empty fields left out. @opentelemetry/otlp-transformer's JSON writes intValue as a
 * number and keeps zero fields, so we encode ourselves to match the Collector exactly.
 */
export function encodeTraceRequest(spans: readonly ReadableSpan[]): OtlpTraceRequest {
  const byResource = new Map<unknown, { resource: ReadableSpan['resource']; scopes: Map<string, ReadableSpan[]> }>();
  for (const span of spans) {
    let entry = byResource.get(span.resource);
    if (!entry) {
      entry = { resource: span.resource, scopes: new Map() };
      byResource.set(span.resource, entry);
    }
    const scope = span.instrumentationScope;
    const key = `${scope.name}\u0000${scope.version ?? ''}\u0000${scope.schemaUrl ?? ''}`;
    const list = entry.scopes.get(key);
    if (list) list.push(span);
    else entry.scopes.set(key, [span]);
  }
  const resourceSpans: OtlpResourceSpans[] = [];
  for (const { resource, scopes } of byResource.values()) {
    const scopeSpans: OtlpScopeSpans[] = [];
    for (const group of scopes.values()) {
      const scope = group[0]!.instrumentationScope;
      scopeSpans.push(
        omitEmpty({
          scope: omitEmpty({ name: scope.name, version: scope.version }),
          spans: group.map(encodeSpan),
          schemaUrl: scope.schemaUrl,
        }) as OtlpScopeSpans,
      );
    }
    resourceSpans.push(
      omitEmpty({
        resource: omitEmpty({ attributes: encodeAttributes(resource.attributes as Attributes) }),
        scopeSpans,
        schemaUrl: resource.schemaUrl,
      }) as OtlpResourceSpans,
    );
  }
  return { resourceSpans };
}

function encodeSpan(span: ReadableSpan): OtlpSpan {
  const context = span.spanContext();
  return omitEmpty({
    traceId: context.traceId,
    spanId: context.spanId,
    traceState: context.traceState?.serialize(),
    parentSpanId: span.parentSpanContext?.spanId,
    flags: context.traceFlags || undefined,
    name: span.name,
    // The API's SpanKind starts at INTERNAL = 0; OTLP reserves 0 for UNSPECIFIED.
    kind: span.kind + 1,
    startTimeUnixNano: hrTimeToNanoString(span.startTime),
    endTimeUnixNano: hrTimeToNanoString(span.endTime),
    attributes: encodeAttributes(span.attributes),
    droppedAttributesCount: span.droppedAttributesCount || undefined,
    events: span.events.map((event) =>
      omitEmpty({
        timeUnixNano: hrTimeToNanoString(event.time),
        name: event.name,
        attributes: encodeAttributes(event.attributes ?? {}),
        droppedAttributesCount: event.droppedAttributesCount || undefined,
      }),
    ),
    droppedEventsCount: span.droppedEventsCount || undefined,
    links: span.links.map((link) =>
      omitEmpty({
        traceId: link.context.traceId,
        spanId: link.context.spanId,
        attributes: encodeAttributes(link.attributes ?? {}),
        droppedAttributesCount: link.droppedAttributesCount || undefined,
      }),
    ),
    droppedLinksCount: span.droppedLinksCount || undefined,
    status: omitEmpty({ message: span.status.message, code: span.status.code || undefined }),
  }) as OtlpSpan;
}

/** `[seconds, nanos]` → decimal string of nanoseconds since the epoch, exact (no float rounding). */
export function hrTimeToNanoString(time: HrTime): string {
  return (BigInt(time[0]) * 1_000_000_000n + BigInt(time[1])).toString();
}

export function encodeAttributes(attributes: Attributes): OtlpKeyValue[] {
  const out: OtlpKeyValue[] = [];
  for (const key of Object.keys(attributes)) {
    const value = attributes[key];
    if (value === undefined) continue;
    out.push({ key, value: encodeValue(value) });
  }
  return out;
}

function encodeValue(value: AttributeValue | null | undefined): OtlpAnyValue {
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (typeof value === 'number') {
    return Number.isInteger(value) && Number.isSafeInteger(value) ? { intValue: String(value) } : { doubleValue: value };
  }
  if (Array.isArray(value)) return { arrayValue: { values: value.map((v) => encodeValue(v)) } };
  return {};
}

function omitEmpty<T extends object>(object: T): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    if (value === undefined || value === '' || value === 0) continue;
    if (Array.isArray(value) && value.length === 0) continue;
    if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0) continue;
    out[key] = value;
  }
  return out as Partial<T>;
}

/** OTLP/JSON value, as in opentelemetry-proto `common.proto` (`AnyValue`). int64 travels as a decimal string. */
export interface OtlpAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
  arrayValue?: { values?: OtlpAnyValue[] };
  kvlistValue?: { values?: OtlpKeyValue[] };
  bytesValue?: string;
}
export interface OtlpKeyValue {
  key: string;
  value?: OtlpAnyValue;
}
export interface OtlpSpan {
  traceId: string;
  spanId: string;
  traceState?: string;
  parentSpanId?: string;
  flags?: number;
  name: string;
  kind?: number;
  startTimeUnixNano: string | number;
  endTimeUnixNano: string | number;
  attributes?: OtlpKeyValue[];
  droppedAttributesCount?: number;
  events?: Array<{ timeUnixNano: string | number; name: string; attributes?: OtlpKeyValue[] }>;
  droppedEventsCount?: number;
  links?: Array<{ traceId: string; spanId: string; attributes?: OtlpKeyValue[] }>;
  droppedLinksCount?: number;
  status?: { code?: number; message?: string };
}
export interface OtlpScopeSpans {
  scope?: { name?: string; version?: string };
  spans?: OtlpSpan[];
  schemaUrl?: string;
}
export interface OtlpResourceSpans {
  resource?: { attributes?: OtlpKeyValue[] };
  scopeSpans?: OtlpScopeSpans[];
  schemaUrl?: string;
}
/** One line of the Collector's file exporter: `TracesData`, the same shape as `ExportTraceServiceRequest`. */
export interface OtlpTraceRequest {
  resourceSpans: OtlpResourceSpans[];
}
