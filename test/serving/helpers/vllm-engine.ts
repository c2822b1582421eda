// A stand-in serving engine: emits, for each finished request of a schedule, the span vLLM's OutputProcessor.do_tracing
// emits (vllm/v1/engine/output_processor.py, vllm/tracing SpanAttributes): `llm_request`, kind SERVER, started at the
// arrival time, parented by the caller's W3C traceparent, latencies in seconds computed from the request's timestamps
// exactly as vLLM computes them. And the agent side: a client span whose context travels in a traceparent header.
import { ROOT_CONTEXT, SpanKind, defaultTextMapGetter, defaultTextMapSetter, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

/** One request of a synthetic batching schedule, epoch ms. */
export interface ScheduledRequest {
  readonly id: string;
  readonly arrivalMs: number;
  readonly scheduledMs: number;
  readonly firstTokenMs: number;
  readonly lastTokenMs: number;
  readonly promptTokens: number;
  /** Output tokens, the first included (vLLM's num_generation_tokens). */
  readonly completionTokens: number;
  readonly model?: string;
}

const propagator = new W3CTraceContextPropagator();

/** How long after its last token the engine finishes a request (output processing), ms. */
export const FINISH_LAG_MS = 1;

/**
 * Emits the request's `llm_request` span. `headers` are the HTTP request's headers (with the caller's traceparent),
 * as vLLM's extract_trace_context reads them.
 */
export function emitVllmRequestSpan(tracer: Tracer, r: ScheduledRequest, headers?: Record<string, string>): void {
  const context = headers ? propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter) : ROOT_CONTEXT;
  const finishedMs = r.lastTokenMs + FINISH_LAG_MS;
  const s = (ms: number): number => ms / 1000;
  const attributes = {
    'gen_ai.latency.time_to_first_token': s(r.firstTokenMs - r.arrivalMs),
    'gen_ai.latency.e2e': s(finishedMs - r.arrivalMs),
    'gen_ai.latency.time_in_queue': s(r.scheduledMs - r.arrivalMs),
    'gen_ai.usage.prompt_tokens': r.promptTokens,
    'gen_ai.usage.completion_tokens': r.completionTokens,
    'gen_ai.latency.time_in_model_prefill': s(r.firstTokenMs - r.scheduledMs),
    'gen_ai.latency.time_in_model_decode': s(r.lastTokenMs - r.firstTokenMs),
    'gen_ai.latency.time_in_model_inference': s(r.lastTokenMs - r.scheduledMs),
    'gen_ai.request.id': r.id,
    'gen_ai.request.max_tokens': 512,
    'gen_ai.request.temperature': 0.7,
    'gen_ai.response.model': r.model ?? 'toy-lm-1b',
  };
  const span = tracer.startSpan('llm_request', { kind: SpanKind.SERVER, startTime: r.arrivalMs, attributes }, context);
  span.end(finishedMs);
}

/**
 * The agent's side of one call: a CLIENT span around the request (under `parent` when given), and the headers its
 * HTTP call sends (traceparent). The span is ended at `endMs`.
 */
export function agentCall(tracer: Tracer, model: string, startMs: number, endMs: number, parent?: Span): { headers: Record<string, string>; spanId: string; traceId: string } {
  return clientCall(tracer, `chat ${model}`, { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': model }, startMs, endMs, parent);
}

/** An HTTP client instrumentation's span under `parent` (the agent's GenAI span), and the headers it sends. */
export function httpClientCall(tracer: Tracer, startMs: number, endMs: number, parent: Span): { headers: Record<string, string>; spanId: string; traceId: string } {
  return clientCall(tracer, 'POST', { 'http.request.method': 'POST', 'url.full': 'http://127.0.0.1:8000/v1/chat/completions' }, startMs, endMs, parent);
}

function clientCall(tracer: Tracer, name: string, attributes: Attributes, startMs: number, endMs: number, parent?: Span): { headers: Record<string, string>; spanId: string; traceId: string } {
  const context = parent ? trace.setSpan(ROOT_CONTEXT, parent) : ROOT_CONTEXT;
  const span = tracer.startSpan(name, { kind: SpanKind.CLIENT, startTime: startMs, attributes }, context);
  const headers: Record<string, string> = {};
  propagator.inject(trace.setSpan(ROOT_CONTEXT, span), headers, defaultTextMapSetter);
  span.end(endMs);
  return { headers, spanId: span.spanContext().spanId, traceId: span.spanContext().traceId };
}
