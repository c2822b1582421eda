/**
 * openai (v4 to v7): `chat.completions.create`, `responses.create` (and the helpers built on them: `.stream()`,
 * `.parse()`, `runTools`) become `chat {model}` spans; tools run by `runTools` become `execute_tool` spans.
 *
 * Streaming: usage comes from the provider's final chunk. Chat completions only send it when asked
 * (`stream_options.include_usage`); when the user did not say, we ask and hide that extra usage-only chunk, so the
 * user's loop sees the chunks it would have seen. The first chunk sets the time to first chunk; the arrival of each
 * chunk that brings output is kept for inter-token latency (`openjoules.stream.chunk_offsets_ms`).
 */
import type { Attributes } from '@opentelemetry/api';
import { startLlmCall, withToolCall, type LlmCallHandle, type TokenUsage } from '../api/agent-spans.js';
import { getTracer, type TracerSource } from '../api/tracer.js';
import { isContentCaptureEnabled } from '../api/content-capture.js';
import { traceApiPromise } from './api-promise.js';
import { PEER_SCOPES } from './peer-span.js';
import { serverOf } from './server.js';
import { isIterableStream, traceStream } from './stream.js';
import { withTraceHeaders } from './trace-headers.js';
import { unwrapMethod, wrapMethod } from './wrap.js';

/** Options of the openai instrumentation. */
export interface OpenAIInstrumentationOptions {
  /**
   * Ask for the usage chunk on streamed chat completions when the request does not say (default true; env
   * OPENJOULES_OPENAI_STREAM_USAGE=false turns it off, e.g. for OpenAI-compatible servers that reject stream_options).
   */
  readonly requestStreamUsage?: boolean;
}

type Body = Record<string, unknown>;
type Fn = (this: unknown, ...args: unknown[]) => unknown;

interface OpenAIClassLike {
  Chat?: { Completions?: { prototype: object } };
  Responses?: { prototype: object };
  Beta?: { Chat?: { Completions?: { prototype: object } } };
}

function classOf(moduleOrClass: unknown): OpenAIClassLike | undefined {
  if (!moduleOrClass || (typeof moduleOrClass !== 'object' && typeof moduleOrClass !== 'function')) return undefined;
  const candidate = moduleOrClass as { OpenAI?: unknown; default?: unknown; Chat?: unknown };
  if (typeof candidate.Chat === 'function' || typeof candidate.Chat === 'object') return candidate as OpenAIClassLike;
  if (typeof candidate.OpenAI === 'function') return candidate.OpenAI as OpenAIClassLike;
  if (typeof candidate.default === 'function') return classOf(candidate.default);
  return undefined;
}

/** The prototypes we patch, for the module (or the `OpenAI` class) given. */
function targets(moduleOrClass: unknown): { chat?: object; responses?: object; betaChat?: object } {
  const cls = classOf(moduleOrClass);
  return {
    chat: cls?.Chat?.Completions?.prototype,
    responses: cls?.Responses?.prototype,
    betaChat: cls?.Beta?.Chat?.Completions?.prototype,
  };
}

/**
 * Patches the openai module (or its `OpenAI` class). Idempotent; returns the module. Spans start with the tracer
 * `tracer` gives (default: the global provider's). Where a peer instrumentation traces `create`, ours steps aside.
 */
export function patchOpenAI<M>(moduleOrClass: M, options: OpenAIInstrumentationOptions = {}, tracer: TracerSource = getTracer): M {
  const { chat, responses, betaChat } = targets(moduleOrClass);
  const peers = { peerScopes: PEER_SCOPES.openai };
  wrapMethod(chat, 'create', (original) => tracedChatCreate(original, options, tracer), peers);
  wrapMethod(chat, 'runTools', (original) => tracedRunTools(original, tracer));
  wrapMethod(betaChat, 'runTools', (original) => tracedRunTools(original, tracer));
  wrapMethod(responses, 'create', (original) => tracedResponsesCreate(original, tracer), peers);
  return moduleOrClass;
}

/** Removes what {@link patchOpenAI} added. */
export function unpatchOpenAI(moduleOrClass: unknown): void {
  const { chat, responses, betaChat } = targets(moduleOrClass);
  unwrapMethod(chat, 'create');
  unwrapMethod(chat, 'runTools');
  unwrapMethod(betaChat, 'runTools');
  unwrapMethod(responses, 'create');
}

function streamUsageWanted(options: OpenAIInstrumentationOptions): boolean {
  if (options.requestStreamUsage !== undefined) return options.requestStreamUsage;
  return process.env.OPENJOULES_OPENAI_STREAM_USAGE?.trim().toLowerCase() !== 'false';
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function providerOf(client: unknown): { provider: string; serverAddress?: string; serverPort?: number } {
  const server = serverOf((client as { baseURL?: unknown } | undefined)?.baseURL);
  const provider = server.serverAddress?.endsWith('.openai.azure.com') ? 'azure.ai.openai' : 'openai';
  return { provider, ...server };
}

function requestAttributes(body: Body): Attributes {
  const attributes: Attributes = {};
  const set = (key: string, value: unknown): void => {
    if (typeof value === 'number' || typeof value === 'string') attributes[key] = value;
  };
  set('gen_ai.request.top_p', body.top_p);
  set('gen_ai.request.frequency_penalty', body.frequency_penalty);
  set('gen_ai.request.presence_penalty', body.presence_penalty);
  set('gen_ai.request.seed', body.seed);
  set('openai.request.service_tier', body.service_tier);
  if (typeof body.n === 'number' && body.n !== 1) attributes['gen_ai.request.choice.count'] = body.n;
  if (typeof body.stop === 'string') attributes['gen_ai.request.stop_sequences'] = [body.stop];
  else if (Array.isArray(body.stop)) attributes['gen_ai.request.stop_sequences'] = body.stop.filter((s): s is string => typeof s === 'string');
  return attributes;
}

function startCall(self: unknown, body: Body, stream: boolean, tracer: TracerSource): LlmCallHandle {
  const client = (self as { _client?: unknown })._client;
  return startLlmCall({
    tracer: tracer(),
    provider: providerOf(client).provider,
    model: str(body.model) ?? 'unknown',
    stream,
    maxTokens: num(body.max_completion_tokens) ?? num(body.max_tokens) ?? num(body.max_output_tokens),
    temperature: num(body.temperature),
    ...serverOf((client as { baseURL?: unknown } | undefined)?.baseURL),
    attributes: requestAttributes(body),
  });
}

/** Chat completions usage → GenAI usage (input includes cached tokens, as OpenAI reports it). */
export function chatUsage(usage: unknown): TokenUsage | undefined {
  if (!usage || typeof usage !== 'object') return undefined;
  const u = usage as Record<string, unknown>;
  const prompt = u.prompt_tokens_details as Record<string, unknown> | undefined;
  const completion = u.completion_tokens_details as Record<string, unknown> | undefined;
  return {
    inputTokens: num(u.prompt_tokens),
    outputTokens: num(u.completion_tokens),
    cacheReadTokens: num(prompt?.cached_tokens),
    reasoningTokens: num(completion?.reasoning_tokens),
  };
}

/** Responses API usage → GenAI usage. */
export function responsesUsage(usage: unknown): TokenUsage | undefined {
  if (!usage || typeof usage !== 'object') return undefined;
  const u = usage as Record<string, unknown>;
  const input = u.input_tokens_details as Record<string, unknown> | undefined;
  const output = u.output_tokens_details as Record<string, unknown> | undefined;
  return {
    inputTokens: num(u.input_tokens),
    outputTokens: num(u.output_tokens),
    cacheReadTokens: num(input?.cached_tokens),
    reasoningTokens: num(output?.reasoning_tokens),
  };
}

function tracedChatCreate(original: Fn, options: OpenAIInstrumentationOptions, tracer: TracerSource): Fn {
  return function create(this: unknown, ...args: unknown[]): unknown {
    const body = args[0];
    if (!body || typeof body !== 'object') return original.apply(this, args);
    const request = body as Body;
    const stream = request.stream === true;
    const streamOptions = request.stream_options as Body | undefined | null;
    const injectUsage = stream && (streamOptions?.include_usage === undefined || streamOptions.include_usage === null) && streamUsageWanted(options);
    const call = startCall(this, request, stream, tracer);
    call.recordInput(request.messages);
    const sent = injectUsage ? { ...request, stream_options: { ...streamOptions, include_usage: true } } : request;
    let promise: Promise<unknown>;
    try {
      promise = call.run(() => original.apply(this, withTraceHeaders([sent, ...args.slice(1)]))) as Promise<unknown>;
    } catch (error) {
      call.fail(error);
      throw error;
    }
    return traceApiPromise(promise, call, (result) => {
      if (stream && isIterableStream(result)) traceChatStream(result, call, injectUsage);
      else endWithCompletion(call, result);
    });
  };
}

function endWithCompletion(call: LlmCallHandle, result: unknown): void {
  const completion = (result ?? {}) as Body;
  const choices = Array.isArray(completion.choices) ? (completion.choices as Body[]) : [];
  call.setResponse({
    id: str(completion.id),
    model: str(completion.model),
    finishReasons: choices.map((c) => str(c.finish_reason) ?? 'unknown'),
  });
  const usage = chatUsage(completion.usage);
  if (usage) call.setUsage(usage);
  if (isContentCaptureEnabled()) call.recordOutput(choices.map((c) => c.message));
  call.end();
}

function traceChatStream(stream: { iterator: () => AsyncIterator<unknown> }, call: LlmCallHandle, hideUsageChunk: boolean): void {
  let id: string | undefined;
  let model: string | undefined;
  const finishReasons: string[] = [];
  const capture = isContentCaptureEnabled();
  const texts: string[] = [];
  traceStream(stream, call, {
    onChunk(raw) {
      const chunk = (raw ?? {}) as Body;
      id ??= str(chunk.id);
      model ??= str(chunk.model);
      const choices = Array.isArray(chunk.choices) ? (chunk.choices as Body[]) : [];
      if (choices.length > 0) call.markFirstChunk();
      if (choices.some(carriesOutput)) call.markChunk();
      for (const choice of choices) {
        const index = num(choice.index) ?? 0;
        const reason = str(choice.finish_reason);
        if (reason) finishReasons[index] = reason;
        const delta = choice.delta as Body | undefined;
        if (capture && typeof delta?.content === 'string') texts[index] = (texts[index] ?? '') + delta.content;
      }
      const usage = chatUsage(chunk.usage);
      if (usage) call.setUsage(usage);
      // Asking for usage adds `usage: null` to every chunk: give the user the chunks they asked for.
      if (hideUsageChunk && chunk.usage === null) delete chunk.usage;
      // The usage-only chunk we asked for: the user did not, so they do not see it.
      return !(hideUsageChunk && choices.length === 0 && usage !== undefined);
    },
    onEnd() {
      call.setResponse({ id, model, ...(finishReasons.length > 0 ? { finishReasons: Array.from(finishReasons, (r) => r ?? 'unknown') } : {}) });
      if (capture) call.recordOutput(texts.map((content) => ({ role: 'assistant', content })));
    },
  });
}

/**
 * True when a streamed chat choice brings output: text, a refusal, tool-call arguments or reasoning text (vLLM and
 * others stream `reasoning_content`). The role-only first chunk and the empty closing one with the finish reason bring
 * none, so they do not count as inter-token gaps.
 */
function carriesOutput(choice: Body): boolean {
  const delta = choice.delta as Body | undefined;
  if (!delta) return false;
  const text = (v: unknown): boolean => typeof v === 'string' && v.length > 0;
  return text(delta.content) || text(delta.refusal) || text(delta.reasoning_content) || text(delta.reasoning) || (Array.isArray(delta.tool_calls) && delta.tool_calls.length > 0);
}

function tracedResponsesCreate(original: Fn, tracer: TracerSource): Fn {
  return function create(this: unknown, ...args: unknown[]): unknown {
    const body = args[0];
    if (!body || typeof body !== 'object') return original.apply(this, args);
    const request = body as Body;
    const stream = request.stream === true;
    const call = startCall(this, request, stream, tracer);
    call.recordInput(request.input, request.instructions);
    let promise: Promise<unknown>;
    try {
      promise = call.run(() => original.apply(this, withTraceHeaders(args))) as Promise<unknown>;
    } catch (error) {
      call.fail(error);
      throw error;
    }
    return traceApiPromise(promise, call, (result) => {
      if (stream && isIterableStream(result)) {
        traceStream(result, call, {
          onChunk(raw) {
            const event = (raw ?? {}) as Body;
            const type = str(event.type) ?? '';
            if (type.endsWith('.delta')) call.markChunk();
            if (type === 'response.completed' || type === 'response.incomplete' || type === 'response.failed') recordResponse(call, event.response);
          },
          onEnd() {},
        });
      } else {
        recordResponse(call, result);
        call.end();
      }
    });
  };
}

function recordResponse(call: LlmCallHandle, value: unknown): void {
  const response = (value ?? {}) as Body;
  const incomplete = response.incomplete_details as Body | undefined | null;
  const status = str(incomplete?.reason) ?? str(response.status);
  call.setResponse({ id: str(response.id), model: str(response.model), ...(status ? { finishReasons: [status] } : {}) });
  const usage = responsesUsage(response.usage);
  if (usage) call.setUsage(usage);
  if (isContentCaptureEnabled() && Array.isArray(response.output)) call.recordOutput(response.output);
}

/** `runTools`: each tool function runs in an `execute_tool` span. The params object is copied, not changed. */
function tracedRunTools(original: Fn, tracer: TracerSource): Fn {
  return function runTools(this: unknown, ...args: unknown[]): unknown {
    const body = args[0] as Body | undefined;
    if (!body || !Array.isArray(body.tools)) return original.apply(this, args);
    return original.call(this, { ...body, tools: body.tools.map((tool) => traceRunnableTool(tool, tracer)) }, ...args.slice(1));
  };
}

/** A copy of a runnable tool (non-enumerable `$brand`/`$callback` kept) whose function runs in an execute_tool span. */
function traceRunnableTool(tool: unknown, tracer: TracerSource): unknown {
  if (!tool || typeof tool !== 'object') return tool;
  const copy = Object.create(Object.getPrototypeOf(tool) as object | null, Object.getOwnPropertyDescriptors(tool)) as Body;
  const fn = copy.function as Body | undefined;
  const name = str(fn?.name) ?? str((fn?.function as { name?: unknown } | undefined)?.name) ?? 'tool';
  const description = str(fn?.description);
  const wrap = (run: Fn): Fn =>
    function tool(this: unknown, ...args: unknown[]) {
      return withToolCall({ name, type: 'function', ...(description ? { description } : {}), arguments: args[0], tracer: tracer() }, async (span) => {
        const result = await run.apply(this, args);
        span.recordResult(result);
        return result;
      });
    };
  if (typeof copy.$callback === 'function') {
    Object.defineProperty(copy, '$callback', { value: wrap(copy.$callback as Fn), enumerable: false, configurable: true, writable: true });
  }
  if (fn && typeof fn.function === 'function') copy.function = { ...fn, function: wrap(fn.function as Fn) };
  return copy;
}
