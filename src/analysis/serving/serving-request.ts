/**
 * A serving engine's request span read as a GPU schedule: when the request was on the GPU and which phase it was in.
 *
 * vLLM (vllm/v1/engine/output_processor.py `do_tracing`) emits one span per finished request: name `llm_request`
 * (or "{operation} {model}" under OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental), kind SERVER, start =
 * the request's arrival, parent = the caller's span from the W3C `traceparent` header, ended when the output is
 * processed. Its latencies are attributes in seconds (vllm/tracing SpanAttributes):
 *   time_in_queue = scheduled − queued, time_to_first_token = first token − arrival,
 *   time_in_model_prefill = first token − scheduled, time_in_model_decode = last token − first token,
 *   time_in_model_inference = last token − scheduled, e2e = finished − arrival.
 * So on the span's own clock the request is on the GPU from scheduled (first token − prefill) to its last token,
 * in prefill until the first token and in decode after it.
 */
import type { AttrValue, SpanRecord } from '../otlp/span-record.js';

/** vLLM's request-span attribute names (vllm/tracing SpanAttributes). Latencies are in seconds. */
export const VLLM_ATTRIBUTES = {
  timeToFirstToken: 'gen_ai.latency.time_to_first_token',
  e2e: 'gen_ai.latency.e2e',
  timeInQueue: 'gen_ai.latency.time_in_queue',
  timeInPrefill: 'gen_ai.latency.time_in_model_prefill',
  timeInDecode: 'gen_ai.latency.time_in_model_decode',
  timeInInference: 'gen_ai.latency.time_in_model_inference',
  promptTokens: 'gen_ai.usage.prompt_tokens',
  completionTokens: 'gen_ai.usage.completion_tokens',
  /** Prompt tokens served from the prefix cache (not computed again), where an engine reports them. */
  cachedTokens: 'gen_ai.usage.cached_tokens',
  requestId: 'gen_ai.request.id',
} as const;

/** The name vLLM gives its request span by default. */
export const VLLM_REQUEST_SPAN_NAME = 'llm_request';

/** The GenAI semantic conventions' token counts, read when vLLM's own names are absent. */
const INPUT_TOKENS = 'gen_ai.usage.input_tokens';
const OUTPUT_TOKENS = 'gen_ai.usage.output_tokens';
const CACHE_READ_TOKENS = 'gen_ai.usage.cache_read.input_tokens';

/** One request's time on the GPU, epoch ms on the request span's clock. */
export interface ServingRequest {
  readonly traceId: string;
  readonly spanId: string;
  /** The caller's span (the agent's client span), when the request carried a traceparent. */
  readonly parentSpanId?: string;
  /** First scheduled onto the GPU (start of prefill). */
  readonly scheduledMs: number;
  /** First output token: end of prefill, start of decode. */
  readonly firstTokenMs: number;
  /** Last output token: the request leaves the GPU. */
  readonly lastTokenMs: number;
  /** Prompt tokens the prefill computed (prompt minus prefix-cached), when the span says. */
  readonly prefillTokens?: number;
  /** Tokens the decode steps fed through the model (completion tokens minus the first, which prefill produced). */
  readonly decodeTokens?: number;
}

/**
 * Whether a span is a serving engine's request span: it carries vLLM's time-to-first-token and its prefill or queue
 * time. Recognised by attributes, not by name, so the semconv-opt-in span name works too.
 */
export function isServingRequestSpan(span: SpanRecord): boolean {
  const a = span.attributes;
  return a[VLLM_ATTRIBUTES.timeToFirstToken] !== undefined && (a[VLLM_ATTRIBUTES.timeInPrefill] !== undefined || a[VLLM_ATTRIBUTES.timeInQueue] !== undefined);
}

/**
 * The GPU schedule of a serving request span, or a one-line reason when its timing attributes cannot give one.
 * Derived points are clamped to the span (scheduled ≥ arrival, last token ≤ end), since the engine measures its
 * latencies on a monotonic clock and the span's start on the wall clock: they may disagree by a few ms.
 */
export function readServingRequest(span: SpanRecord): ServingRequest | string {
  const a = span.attributes;
  const where = `span "${span.name}" (${span.spanId})`;
  const seconds = (key: string): number | undefined | string => {
    const value = a[key];
    if (value === undefined) return undefined;
    return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value * 1000 : `${where}: ${key} should be seconds ≥ 0, got ${JSON.stringify(value)}`;
  };
  const ttft = seconds(VLLM_ATTRIBUTES.timeToFirstToken);
  const prefill = seconds(VLLM_ATTRIBUTES.timeInPrefill);
  const queue = seconds(VLLM_ATTRIBUTES.timeInQueue);
  const decode = seconds(VLLM_ATTRIBUTES.timeInDecode);
  const inference = seconds(VLLM_ATTRIBUTES.timeInInference);
  const e2e = seconds(VLLM_ATTRIBUTES.e2e);
  for (const value of [ttft, prefill, queue, decode, inference, e2e]) if (typeof value === 'string') return value;
  const num = (v: number | undefined | string): number | undefined => (typeof v === 'number' ? v : undefined);

  const start = span.startMs;
  const end = Math.max(span.endMs, start);
  let first: number;
  if (num(ttft) !== undefined) first = start + num(ttft)!;
  else if (num(queue) !== undefined && num(prefill) !== undefined) first = start + num(queue)! + num(prefill)!;
  else return `${where}: no ${VLLM_ATTRIBUTES.timeToFirstToken}, and no queue + prefill time to place the first token`;

  let scheduled: number;
  if (num(prefill) !== undefined) scheduled = first - num(prefill)!;
  else if (num(queue) !== undefined) scheduled = start + num(queue)!;
  else return `${where}: neither ${VLLM_ATTRIBUTES.timeInPrefill} nor ${VLLM_ATTRIBUTES.timeInQueue}: cannot tell when it was scheduled`;

  let last: number;
  if (num(decode) !== undefined) last = first + num(decode)!;
  else if (num(inference) !== undefined) last = scheduled + num(inference)!;
  else if (num(e2e) !== undefined) last = start + num(e2e)!;
  else last = end;

  scheduled = Math.min(Math.max(scheduled, start), end);
  first = Math.min(Math.max(first, scheduled), end);
  last = Math.min(Math.max(last, first), end);

  const promptTokens = count(a[VLLM_ATTRIBUTES.promptTokens] ?? a[INPUT_TOKENS]);
  const completionTokens = count(a[VLLM_ATTRIBUTES.completionTokens] ?? a[OUTPUT_TOKENS]);
  const cached = count(a[VLLM_ATTRIBUTES.cachedTokens] ?? a[CACHE_READ_TOKENS]) ?? 0;
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    scheduledMs: scheduled,
    firstTokenMs: first,
    lastTokenMs: last,
    prefillTokens: promptTokens === undefined ? undefined : Math.max(0, promptTokens - cached),
    decodeTokens: completionTokens === undefined ? undefined : Math.max(0, completionTokens - 1),
  };
}

function count(value: AttrValue | undefined): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}
