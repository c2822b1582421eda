/**
 * A read-only view of an ended span with extra attributes, for handing energy that arrived after the span locked to the
 * next processor. Everything but the attributes is read from the original (same objects, nothing copied), through
 * prototype getters, so a view costs one small object plus the merged attributes. The original span is never
 * modified.
 */
import type { Attributes, HrTime, Link, SpanContext, SpanKind, SpanStatus } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace';

class SpanWithAttributes implements ReadableSpan {
  readonly attributes: Attributes;
  private readonly _span: ReadableSpan;

  constructor(span: ReadableSpan, attributes: Attributes) {
    this._span = span;
    this.attributes = attributes;
  }

  spanContext(): SpanContext {
    return this._span.spanContext();
  }
  get name(): string {
    return this._span.name;
  }
  get kind(): SpanKind {
    return this._span.kind;
  }
  get parentSpanContext(): SpanContext | undefined {
    return this._span.parentSpanContext;
  }
  get startTime(): HrTime {
    return this._span.startTime;
  }
  get endTime(): HrTime {
    return this._span.endTime;
  }
  get status(): SpanStatus {
    return this._span.status;
  }
  get links(): Link[] {
    return this._span.links;
  }
  get events(): TimedEvent[] {
    return this._span.events;
  }
  get duration(): HrTime {
    return this._span.duration;
  }
  get ended(): boolean {
    return this._span.ended;
  }
  get resource(): Resource {
    return this._span.resource;
  }
  get instrumentationScope(): InstrumentationScope {
    return this._span.instrumentationScope;
  }
  get droppedAttributesCount(): number {
    return this._span.droppedAttributesCount;
  }
  get droppedEventsCount(): number {
    return this._span.droppedEventsCount;
  }
  get droppedLinksCount(): number {
    return this._span.droppedLinksCount;
  }
}

/** `span` with `extra` merged over its attributes. */
export function withAttributes(span: ReadableSpan, extra: Attributes): ReadableSpan {
  return new SpanWithAttributes(span, Object.assign({}, span.attributes, extra));
}

/** `span` carrying `attributes` (already merged from its own: a fresh object the caller gives up) instead of its own. */
export function viewWithAttributes(span: ReadableSpan, attributes: Attributes): ReadableSpan {
  return new SpanWithAttributes(span, attributes);
}
