/**
 * Which span of the input called each serving request: the request span's parent (the W3C traceparent the engine
 * received), unless that parent is an HTTP client span (no gen_ai.operation.name) under the agent's GenAI span — with
 * HTTP instrumentation installed, the traceparent is the HTTP span's — in which case the GenAI span above it.
 */
import type { SpanRecord } from '../otlp/span-record.js';
import { ATTR_GEN_AI_OPERATION_NAME } from '../../semconv.js';
import { spanKey } from './annotate-otlp.js';

/** OTLP SpanKind CLIENT. */
const SPAN_KIND_CLIENT = 3;
/** HTTP client layers climbed at most between a request and the GenAI span that made it. */
const MAX_CLIENT_LAYERS = 3;

/** What it takes to find callers: the GenAI spans, and every non-GenAI CLIENT span with its parent. */
export class CallerIndex {
  private readonly _genAi = new Set<string>();
  private readonly _clientParents = new Map<string, string>();

  /** Notes one span of the input. */
  add(span: SpanRecord): void {
    if (span.attributes[ATTR_GEN_AI_OPERATION_NAME] !== undefined) this._genAi.add(spanKey(span.traceId, span.spanId));
    else if (span.kind === SPAN_KIND_CLIENT && span.parentSpanId) this._clientParents.set(spanKey(span.traceId, span.spanId), spanKey(span.traceId, span.parentSpanId));
  }

  /** The key of the span that gets the joules of a request whose parent's key is `parent`. */
  callerOf(parent: string): string {
    let key = parent;
    for (let i = 0; i < MAX_CLIENT_LAYERS && !this._genAi.has(key); i++) {
      const up = this._clientParents.get(key);
      if (up === undefined) break;
      key = up;
    }
    return this._genAi.has(key) ? key : parent;
  }
}
