/**
 * @anthropic-ai/sdk: `messages.create` (and `messages.stream()`, `.parse()`, built on it) becomes a `chat {model}`
 * span. Since 0.137 the SDK traces its own API calls with GenAI spans (usage, time to first chunk, tool-runner
 * `execute_tool` spans) whenever a tracer provider is registered: a client that does so is left alone, and its spans
 * get joules from the energy processor like any other. Older versions, and clients built with
 * `openTelemetry: false`, are traced here.
 */
import { startLlmCall, type LlmCallHandle, type TokenUsage } from '../api/agent-spans.js';
import { isContentCaptureEnabled } from '../api/content-capture.js';
import { getTracer, type TracerSource } from '../api/tracer.js';
import { traceApiPromise } from './api-promise.js';
import { PEER_SCOPES } from './peer-span.js';
import { serverOf } from './server.js';
import { isIterableStream, traceStream } from './stream.js';
import { withTraceHeaders } from './trace-headers.js';
import { unwrapMethod, wrapMethod } from './wrap.js';

type Body = Record<string, unknown>;
type Fn = (this: unknown, ...args: unknown[]) => unknown;

function messagesPrototype(moduleOrClass: unknown): object | undefined {
  if (!moduleOrClass || (typeof moduleOrClass !== 'object' && typeof moduleOrClass !== 'function')) return undefined;
  const candidate = moduleOrClass as { Messages?: unknown; Anthropic?: unknown; default?: unknown };
  if (typeof candidate.Messages === 'function') return (candidate.Messages as { prototype: object }).prototype;
  if (typeof candidate.Anthropic === 'function') return messagesPrototype(candidate.Anthropic);
  if (typeof candidate.default === 'function') return messagesPrototype(candidate.default);
  return undefined;
}

/**
 * Patches the @anthropic-ai/sdk module (or its `Anthropic` class). Idempotent; returns the module. Spans start with
 * the tracer `tracer` gives (default: the global provider's). Where a peer instrumentation traces `create`, ours steps
 * aside.
 */
export function patchAnthropic<M>(moduleOrClass: M, tracer: TracerSource = getTracer): M {
  wrapMethod(messagesPrototype(moduleOrClass), 'create', (original) => tracedCreate(original, tracer), { peerScopes: PEER_SCOPES.anthropic });
  return moduleOrClass;
}

/** Removes what {@link patchAnthropic} added. */
export function unpatchAnthropic(moduleOrClass: unknown): void {
  unwrapMethod(messagesPrototype(moduleOrClass), 'create');
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Anthropic usage → GenAI usage: input tokens include cache reads and writes (GenAI conventions). */
export function anthropicUsage(usage: unknown): TokenUsage | undefined {
  if (!usage || typeof usage !== 'object') return undefined;
  const u = usage as Record<string, unknown>;
  const input = num(u.input_tokens);
  const cacheRead = num(u.cache_read_input_tokens);
  const cacheCreation = num(u.cache_creation_input_tokens);
  return {
    inputTokens: input === undefined ? undefined : input + (cacheRead ?? 0) + (cacheCreation ?? 0),
    outputTokens: num(u.output_tokens),
    cacheReadTokens: cacheRead,
    cacheCreationTokens: cacheCreation,
  };
}

function tracedCreate(original: Fn, tracer: TracerSource): Fn {
  return function create(this: unknown, ...args: unknown[]): unknown {
    const body = args[0];
    const client = (this as { _client?: { _tracer?: unknown; baseURL?: unknown } })._client;
    // The SDK traces this call itself: one span per call, not two.
    if (!body || typeof body !== 'object' || client?._tracer) return original.apply(this, args);
    const request = body as Body;
    const stream = request.stream === true;
    const call = startLlmCall({
      tracer: tracer(),
      provider: 'anthropic',
      model: str(request.model) ?? 'unknown',
      stream,
      maxTokens: num(request.max_tokens),
      temperature: num(request.temperature),
      ...serverOf(client?.baseURL),
      attributes: {
        ...(num(request.top_p) !== undefined ? { 'gen_ai.request.top_p': num(request.top_p) } : {}),
        ...(num(request.top_k) !== undefined ? { 'gen_ai.request.top_k': num(request.top_k) } : {}),
        ...(Array.isArray(request.stop_sequences) ? { 'gen_ai.request.stop_sequences': request.stop_sequences.filter((s): s is string => typeof s === 'string') } : {}),
      },
    });
    call.recordInput(request.messages, request.system);
    let promise: Promise<unknown>;
    try {
      promise = call.run(() => original.apply(this, withTraceHeaders(args))) as Promise<unknown>;
    } catch (error) {
      call.fail(error);
      throw error;
    }
    return traceApiPromise(promise, call, (result) => {
      if (stream && isIterableStream(result)) traceMessageStream(result, call);
      else endWithMessage(call, result);
    });
  };
}

function endWithMessage(call: LlmCallHandle, result: unknown): void {
  const message = (result ?? {}) as Body;
  const reason = str(message.stop_reason);
  call.setResponse({ id: str(message.id), model: str(message.model), ...(reason ? { finishReasons: [reason] } : {}) });
  const usage = anthropicUsage(message.usage);
  if (usage) call.setUsage(usage);
  if (isContentCaptureEnabled()) call.recordOutput([{ role: 'assistant', content: message.content }]);
  call.end();
}

/** Raw stream events: `message_start` (id, model, input usage) … deltas … `message_delta` (stop reason, output usage). */
function traceMessageStream(stream: { iterator: () => AsyncIterator<unknown> }, call: LlmCallHandle): void {
  const capture = isContentCaptureEnabled();
  let usage: Record<string, unknown> = {};
  let text = '';
  let id: string | undefined;
  let model: string | undefined;
  let reason: string | undefined;
  traceStream(stream, call, {
    onChunk(raw) {
      const event = (raw ?? {}) as Body;
      switch (event.type) {
        case 'message_start': {
          const message = (event.message ?? {}) as Body;
          id = str(message.id);
          model = str(message.model);
          if (message.usage && typeof message.usage === 'object') usage = { ...usage, ...(message.usage as Body) };
          break;
        }
        case 'content_block_start':
          call.markFirstChunk();
          break;
        case 'content_block_delta': {
          call.markChunk();
          const delta = event.delta as Body | undefined;
          if (capture && typeof delta?.text === 'string') text += delta.text;
          break;
        }
        case 'message_delta': {
          reason = str((event.delta as Body | undefined)?.stop_reason) ?? reason;
          // message_delta usage is cumulative; null fields mean "not reported here".
          for (const [key, value] of Object.entries((event.usage ?? {}) as Body)) if (value !== null && value !== undefined) usage[key] = value;
          break;
        }
      }
    },
    onEnd() {
      call.setResponse({ id, model, ...(reason ? { finishReasons: [reason] } : {}) });
      const tokens = anthropicUsage(usage);
      if (tokens) call.setUsage(tokens);
      if (capture) call.recordOutput([{ role: 'assistant', content: text }]);
    },
  });
}
