import {
  context,
  createContextKey,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_AGENT_DESCRIPTION,
  ATTR_GEN_AI_AGENT_ID,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_REQUEST_STREAM,
  ATTR_GEN_AI_REQUEST_TEMPERATURE,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
  ATTR_GEN_AI_SYSTEM_INSTRUCTIONS,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_ID,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
  ATTR_GEN_AI_TOOL_DESCRIPTION,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_TOOL_TYPE,
  ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
  ATTR_OPENJOULES_COST_USD,
  ATTR_OPENJOULES_FEEDBACK_RATING,
  ATTR_OPENJOULES_SUB_MODEL_CALL,
  ATTR_OPENJOULES_TURN_INDEX,
  ATTR_OPENJOULES_TURN_REGENERATED,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_USER_ID,
  EVENT_OPENJOULES_FEEDBACK,
} from '../../semconv.js';
import { ChunkTimes } from './chunk-times.js';
import { isContentCaptureEnabled, serializeContent } from './content-capture.js';
import { getTracer } from './tracer.js';

/** Inference operations of the GenAI conventions. */
export type LlmOperation = 'chat' | 'text_completion' | 'generate_content';

/** Options of an agent turn: an `invoke_agent` span. */
export interface AgentTurnOptions {
  readonly agentName?: string;
  readonly agentId?: string;
  readonly agentDescription?: string;
  /** The session this turn belongs to; inherited by every span started inside the turn. */
  readonly conversationId?: string;
  /** Zero-based turn number within the conversation. */
  readonly turnIndex?: number;
  /** Inherited by every span started inside the turn. */
  readonly userId?: string;
  readonly provider?: string;
  /** True when the user asked to regenerate this turn. */
  readonly regenerated?: boolean;
  /** Remote agents (OpenAI Assistants, Bedrock Agents) are CLIENT spans; in-process agents INTERNAL (default). */
  readonly remote?: boolean;
  /**
   * The tracer that starts the span; default: openjoules' tracer of the global provider. The auto-instrumentation
   * passes the one of the provider it was given (`setTracerProvider`).
   */
  readonly tracer?: Tracer;
  readonly attributes?: Attributes;
}

/** Options of an LLM call: a `chat` / `text_completion` / `generate_content` span. */
export interface LlmCallOptions {
  /** Default `chat`. */
  readonly operation?: LlmOperation;
  /** `gen_ai.provider.name`, e.g. `openai`, `anthropic`. */
  readonly provider: string;
  readonly model: string;
  readonly stream?: boolean;
  readonly maxTokens?: number;
  readonly temperature?: number;
  readonly serverAddress?: string;
  readonly serverPort?: number;
  /** Marks a model called from inside a tool or an MCP server (see {@link withSubModelCall}). */
  readonly subModelCall?: boolean;
  /** In-process models may be INTERNAL; remote APIs are CLIENT (default). */
  readonly inProcess?: boolean;
  /**
   * The tracer that starts the span; default: openjoules' tracer of the global provider. The auto-instrumentation
   * passes the one of the provider it was given (`setTracerProvider`).
   */
  readonly tracer?: Tracer;
  readonly attributes?: Attributes;
}

/** Options of a tool call: an `execute_tool` span. */
export interface ToolCallOptions {
  readonly name: string;
  readonly callId?: string;
  readonly type?: 'function' | 'extension' | 'datastore';
  readonly description?: string;
  /** Recorded only when content capture is on (OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true). */
  readonly arguments?: unknown;
  /**
   * The tracer that starts the span; default: openjoules' tracer of the global provider. The auto-instrumentation
   * passes the one of the provider it was given (`setTracerProvider`).
   */
  readonly tracer?: Tracer;
  readonly attributes?: Attributes;
}

/** Token usage of one LLM call, as the provider reported it. */
export interface TokenUsage {
  /** Input tokens including cached ones (GenAI conventions). */
  readonly inputTokens?: number;
  readonly outputTokens?: number;
  readonly cacheReadTokens?: number;
  readonly cacheCreationTokens?: number;
  /** Reasoning tokens, a subset of output tokens. */
  readonly reasoningTokens?: number;
}

/** What every handle can do. Methods never throw and do nothing once the span has ended. */
export interface SpanHandle {
  /** The OpenTelemetry span, for anything this API does not cover. */
  readonly span: Span;
  /** A context with this span active: start children under it with `context.with(handle.context, fn)`. */
  readonly context: Context;
  /** Runs `fn` with this span as the active span (children started inside become its children). */
  run<T>(fn: () => T): T;
  setAttributes(attributes: Attributes): this;
  /** Cost of the operation in US dollars (`openjoules.cost.usd`). */
  setCost(usd: number): this;
  /** Records the error on the span: status ERROR, `error.type`, an exception event. Does not end the span. */
  recordError(error: unknown): this;
  /** Ends the span (idempotent). */
  end(): void;
  /** Records the error, then ends the span. */
  fail(error: unknown): void;
}

/** Handle of an agent turn. */
export interface AgentTurnHandle extends SpanHandle {
  /** Adds a thumbs up/down as an `openjoules.feedback` event. */
  recordFeedback(rating: 'up' | 'down'): this;
  setUsage(usage: TokenUsage): this;
}

/** Handle of an LLM call. */
export interface LlmCallHandle extends SpanHandle {
  setUsage(usage: TokenUsage): this;
  setResponse(response: { readonly id?: string; readonly model?: string; readonly finishReasons?: readonly string[] }): this;
  /**
   * Marks the arrival of the first streamed chunk (default: now). Sets `gen_ai.response.time_to_first_chunk` in
   * seconds from the start of the call; the energy processor splits prefill and decode there. Only the first mark counts.
   */
  markFirstChunk(timeMs?: number): this;
  /**
   * Marks the arrival of one streamed chunk that carries output (default: now): the first also marks the first chunk
   * ({@link markFirstChunk}); their arrival times go on the span when it ends, as `openjoules.stream.chunk_offsets_ms`
   * (whole ms from the start, the first 1024 chunks) and `openjoules.stream.chunk_count`, from which `openjoules
   * stats` reads inter-token latency.
   */
  markChunk(timeMs?: number): this;
  /** Records input messages (and system instructions) when content capture is on; does nothing otherwise. */
  recordInput(messages: unknown, systemInstructions?: unknown): this;
  /** Records output messages when content capture is on; does nothing otherwise. */
  recordOutput(messages: unknown): this;
}

/** Handle of a tool call. */
export interface ToolCallHandle extends SpanHandle {
  /** Records the result when content capture is on; does nothing otherwise. */
  recordResult(result: unknown): this;
}

/** Identity inherited by every span inside a turn, so each span can be placed in its session on its own. */
interface Inherited {
  readonly conversationId?: string;
  readonly userId?: string;
  /** So a Collector can split tokens, cost and joules by agent from the LLM and tool spans alone. */
  readonly agentName?: string;
}
const INHERITED = createContextKey('openjoules.inherited');

function inheritedFrom(ctx: Context): Inherited {
  return (ctx.getValue(INHERITED) as Inherited | undefined) ?? {};
}

/**
 * Starts the attribute set of a new span: the caller's extra attributes, then the inherited identity. Built with
 * plain assignments (no spreads or entry lists): this runs for every span.
 */
function baseAttributes(extra: Attributes | undefined, inherited: Inherited): Attributes {
  const attributes: Attributes = {};
  if (extra) for (const key in extra) attributes[key] = extra[key];
  if (inherited.conversationId !== undefined) attributes[ATTR_GEN_AI_CONVERSATION_ID] = inherited.conversationId;
  if (inherited.userId !== undefined) attributes[ATTR_USER_ID] = inherited.userId;
  if (inherited.agentName !== undefined) attributes[ATTR_GEN_AI_AGENT_NAME] = inherited.agentName;
  return attributes;
}

/** Sets `key` when `value` is defined. */
function put(attributes: Attributes, key: string, value: Attributes[string] | undefined): void {
  if (value !== undefined) attributes[key] = value;
}

/** `error.type` for a thrown value: its `code` when it has a string one, else its class name. */
export function errorType(error: unknown): string {
  if (error && typeof error === 'object') {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
    const name = (error as { name?: unknown }).name;
    if (typeof name === 'string' && name !== '' && name !== 'Error') return name;
    const ctor = (error as { constructor?: { name?: string } }).constructor?.name;
    if (ctor && ctor !== 'Object') return ctor;
  }
  return typeof error === 'string' ? 'Error' : '_OTHER';
}

class BaseHandle implements SpanHandle {
  readonly context: Context;
  protected ended = false;

  constructor(
    readonly span: Span,
    parent: Context,
    inherited: Inherited,
  ) {
    const withSpan = trace.setSpan(parent, span);
    this.context = inherited === parent.getValue(INHERITED) ? withSpan : withSpan.setValue(INHERITED, inherited);
  }

  run<T>(fn: () => T): T {
    return context.with(this.context, fn);
  }

  setAttributes(attributes: Attributes): this {
    if (!this.ended) this.span.setAttributes(attributes);
    return this;
  }

  setCost(usd: number): this {
    if (Number.isFinite(usd)) this.setAttributes({ [ATTR_OPENJOULES_COST_USD]: usd });
    return this;
  }

  recordError(error: unknown): this {
    if (this.ended) return this;
    try {
      this.span.setAttribute(ATTR_ERROR_TYPE, errorType(error));
      const message = error instanceof Error ? error.message : String(error);
      this.span.setStatus({ code: SpanStatusCode.ERROR, message });
      this.span.recordException(error instanceof Error ? error : message);
    } catch {
      // A hostile error object (throwing getters) must not break the host program.
    }
    return this;
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.span.end();
  }

  fail(error: unknown): void {
    this.recordError(error);
    this.end();
  }

  protected setUsageAttributes(usage: TokenUsage): void {
    if (this.ended) return;
    const setCount = (key: string, value: number | undefined): void => {
      if (value !== undefined && Number.isFinite(value)) this.span.setAttribute(key, value);
    };
    setCount(ATTR_GEN_AI_USAGE_INPUT_TOKENS, usage.inputTokens);
    setCount(ATTR_GEN_AI_USAGE_OUTPUT_TOKENS, usage.outputTokens);
    setCount(ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS, usage.cacheReadTokens);
    setCount(ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS, usage.cacheCreationTokens);
    setCount(ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS, usage.reasoningTokens);
  }
}

class TurnHandle extends BaseHandle implements AgentTurnHandle {
  recordFeedback(rating: 'up' | 'down'): this {
    if (!this.ended) this.span.addEvent(EVENT_OPENJOULES_FEEDBACK, { [ATTR_OPENJOULES_FEEDBACK_RATING]: rating });
    return this;
  }

  setUsage(usage: TokenUsage): this {
    this.setUsageAttributes(usage);
    return this;
  }
}

class LlmHandle extends BaseHandle implements LlmCallHandle {
  private firstChunkMarked = false;
  private chunkTimes: ChunkTimes | undefined;

  constructor(
    span: Span,
    parent: Context,
    inherited: Inherited,
    private readonly startMs: number,
  ) {
    super(span, parent, inherited);
  }

  setUsage(usage: TokenUsage): this {
    this.setUsageAttributes(usage);
    return this;
  }

  setResponse(response: { readonly id?: string; readonly model?: string; readonly finishReasons?: readonly string[] }): this {
    const attributes: Attributes = {};
    if (response.id !== undefined) attributes[ATTR_GEN_AI_RESPONSE_ID] = response.id;
    if (response.model !== undefined) attributes[ATTR_GEN_AI_RESPONSE_MODEL] = response.model;
    if (response.finishReasons !== undefined) attributes[ATTR_GEN_AI_RESPONSE_FINISH_REASONS] = [...response.finishReasons];
    return this.setAttributes(attributes);
  }

  markFirstChunk(timeMs: number = nowMs()): this {
    if (this.firstChunkMarked || this.ended) return this;
    this.firstChunkMarked = true;
    return this.setAttributes({ [ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK]: Math.max(0, (timeMs - this.startMs) / 1000) });
  }

  markChunk(timeMs: number = nowMs()): this {
    if (this.ended) return this;
    this.markFirstChunk(timeMs);
    (this.chunkTimes ??= new ChunkTimes(this.startMs)).add(timeMs);
    return this;
  }

  override end(): void {
    // The chunk times go on once, as the span ends: one attribute write per call, not per chunk.
    if (this.chunkTimes !== undefined && !this.ended) this.setAttributes(this.chunkTimes.attributes());
    super.end();
  }

  recordInput(messages: unknown, systemInstructions?: unknown): this {
    if (!isContentCaptureEnabled()) return this;
    const attributes: Attributes = { [ATTR_GEN_AI_INPUT_MESSAGES]: serializeContent(messages) };
    if (systemInstructions !== undefined) attributes[ATTR_GEN_AI_SYSTEM_INSTRUCTIONS] = serializeContent(systemInstructions);
    return this.setAttributes(attributes);
  }

  recordOutput(messages: unknown): this {
    if (!isContentCaptureEnabled()) return this;
    return this.setAttributes({ [ATTR_GEN_AI_OUTPUT_MESSAGES]: serializeContent(messages) });
  }
}

class ToolHandle extends BaseHandle implements ToolCallHandle {
  recordResult(result: unknown): this {
    if (!isContentCaptureEnabled()) return this;
    return this.setAttributes({ [ATTR_GEN_AI_TOOL_CALL_RESULT]: serializeContent(result) });
  }
}

/** Epoch milliseconds on the clock OpenTelemetry span times use. */
function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * Starts an agent turn (`invoke_agent {agentName}`) and returns its handle; end it with `end()` or `fail(error)`.
 * Prefer {@link withAgentTurn}, which ends the span for you.
 */
export function startAgentTurn(options: AgentTurnOptions = {}, parent: Context = context.active()): AgentTurnHandle {
  const outer = inheritedFrom(parent);
  const sameIdentity =
    (options.conversationId === undefined || options.conversationId === outer.conversationId) &&
    (options.userId === undefined || options.userId === outer.userId) &&
    (options.agentName === undefined || options.agentName === outer.agentName);
  const inherited: Inherited = sameIdentity
    ? outer
    : {
        conversationId: options.conversationId ?? outer.conversationId,
        userId: options.userId ?? outer.userId,
        agentName: options.agentName ?? outer.agentName,
      };
  const attributes = baseAttributes(options.attributes, inherited);
  attributes[ATTR_GEN_AI_OPERATION_NAME] = 'invoke_agent';
  put(attributes, ATTR_GEN_AI_PROVIDER_NAME, options.provider);
  put(attributes, ATTR_GEN_AI_AGENT_NAME, options.agentName);
  put(attributes, ATTR_GEN_AI_AGENT_ID, options.agentId);
  put(attributes, ATTR_GEN_AI_AGENT_DESCRIPTION, options.agentDescription);
  put(attributes, ATTR_OPENJOULES_TURN_INDEX, options.turnIndex);
  put(attributes, ATTR_OPENJOULES_TURN_REGENERATED, options.regenerated);
  const span = (options.tracer ?? getTracer()).startSpan(
    options.agentName ? `invoke_agent ${options.agentName}` : 'invoke_agent',
    { kind: options.remote ? SpanKind.CLIENT : SpanKind.INTERNAL, attributes },
    parent,
  );
  return new TurnHandle(span, parent, inherited);
}

/** Starts an LLM call span (`{operation} {model}`) and returns its handle. Prefer {@link withLlmCall}. */
export function startLlmCall(options: LlmCallOptions, parent: Context = context.active()): LlmCallHandle {
  const inherited = inheritedFrom(parent);
  const operation = options.operation ?? 'chat';
  const startMs = nowMs();
  const attributes = baseAttributes(options.attributes, inherited);
  attributes[ATTR_GEN_AI_OPERATION_NAME] = operation;
  attributes[ATTR_GEN_AI_PROVIDER_NAME] = options.provider;
  attributes[ATTR_GEN_AI_REQUEST_MODEL] = options.model;
  put(attributes, ATTR_GEN_AI_REQUEST_STREAM, options.stream);
  put(attributes, ATTR_GEN_AI_REQUEST_MAX_TOKENS, options.maxTokens);
  put(attributes, ATTR_GEN_AI_REQUEST_TEMPERATURE, options.temperature);
  put(attributes, ATTR_SERVER_ADDRESS, options.serverAddress);
  put(attributes, ATTR_SERVER_PORT, options.serverPort);
  put(attributes, ATTR_OPENJOULES_SUB_MODEL_CALL, options.subModelCall);
  const span = (options.tracer ?? getTracer()).startSpan(
    `${operation} ${options.model}`,
    { kind: options.inProcess ? SpanKind.INTERNAL : SpanKind.CLIENT, startTime: startMs, attributes },
    parent,
  );
  return new LlmHandle(span, parent, inherited, startMs);
}

/** Starts a tool call span (`execute_tool {name}`) and returns its handle. Prefer {@link withToolCall}. */
export function startToolCall(options: ToolCallOptions, parent: Context = context.active()): ToolCallHandle {
  const inherited = inheritedFrom(parent);
  const attributes = baseAttributes(options.attributes, inherited);
  attributes[ATTR_GEN_AI_OPERATION_NAME] = 'execute_tool';
  attributes[ATTR_GEN_AI_TOOL_NAME] = options.name;
  put(attributes, ATTR_GEN_AI_TOOL_CALL_ID, options.callId);
  put(attributes, ATTR_GEN_AI_TOOL_TYPE, options.type);
  put(attributes, ATTR_GEN_AI_TOOL_DESCRIPTION, options.description);
  if (options.arguments !== undefined && isContentCaptureEnabled()) {
    attributes[ATTR_GEN_AI_TOOL_CALL_ARGUMENTS] = serializeContent(options.arguments);
  }
  const span = (options.tracer ?? getTracer()).startSpan(`execute_tool ${options.name}`, { kind: SpanKind.INTERNAL, attributes }, parent);
  return new ToolHandle(span, parent, inherited);
}

/**
 * Runs `fn` inside a handle's span and ends the span when `fn` settles. An error is recorded on the span and
 * rethrown unchanged (the same object). Synchronous and asynchronous `fn` both work.
 */
function runInSpan<H extends SpanHandle, T>(handle: H, fn: (handle: H) => T | Promise<T>): Promise<T> {
  return handle.run(async () => {
    try {
      return await fn(handle);
    } catch (error) {
      handle.recordError(error);
      throw error;
    } finally {
      handle.end();
    }
  });
}

/**
 * Runs one agent turn as an `invoke_agent` span. Spans started inside (LLM calls, tool calls, parallel ones too)
 * become its children and inherit its conversation and user ids.
 *
 * @example
 * await withAgentTurn({ agentName: 'planner', conversationId: 'c-1', turnIndex: 0 }, async (turn) => { ... });
 */
export function withAgentTurn<T>(options: AgentTurnOptions, fn: (turn: AgentTurnHandle) => T | Promise<T>): Promise<T> {
  return runInSpan(startAgentTurn(options), fn);
}

/** Runs one LLM call as a `chat {model}` (or text_completion / generate_content) span. */
export function withLlmCall<T>(options: LlmCallOptions, fn: (call: LlmCallHandle) => T | Promise<T>): Promise<T> {
  return runInSpan(startLlmCall(options), fn);
}

/**
 * Runs a model called from inside a tool or an MCP server: an LLM span (under the active tool span) marked
 * `openjoules.sub_model_call = true`.
 */
export function withSubModelCall<T>(options: LlmCallOptions, fn: (call: LlmCallHandle) => T | Promise<T>): Promise<T> {
  return runInSpan(startLlmCall({ ...options, subModelCall: true }), fn);
}

/** Runs one tool call as an `execute_tool {name}` span. */
export function withToolCall<T>(options: ToolCallOptions, fn: (tool: ToolCallHandle) => T | Promise<T>): Promise<T> {
  return runInSpan(startToolCall(options), fn);
}

/**
 * Streams an LLM call: an LLM span that stays open while the returned generator is consumed. The first chunk sets
 * the time to first chunk, and every chunk's arrival is kept for inter-token latency ({@link LlmCallHandle.markChunk});
 * the span ends when the stream completes, fails (error recorded, rethrown unchanged) or the consumer stops early
 * (`break`). Each chunk is pulled with the span active, so work inside the source is its child.
 * `onChunk` sees every chunk with the handle (e.g. to read the provider's final usage chunk); if it throws, the
 * error is recorded as a diagnostic and the stream goes on.
 */
export async function* streamLlmCall<T>(
  options: LlmCallOptions,
  source: AsyncIterable<T> | ((call: LlmCallHandle) => AsyncIterable<T>),
  onChunk?: (chunk: T, call: LlmCallHandle) => void,
): AsyncGenerator<T, void, undefined> {
  const call = startLlmCall({ ...options, stream: options.stream ?? true });
  let completed = false;
  try {
    const iterable = typeof source === 'function' ? call.run(() => source(call)) : source;
    const iterator = call.run(() => iterable[Symbol.asyncIterator]());
    try {
      for (;;) {
        const next = await call.run(() => iterator.next());
        if (next.done) break;
        call.markChunk();
        if (onChunk) {
          try {
            onChunk(next.value, call);
          } catch {
            // A user callback must not break the stream it observes.
          }
        }
        yield next.value;
      }
      completed = true;
    } finally {
      if (!completed) await call.run(async () => iterator.return?.());
    }
  } catch (error) {
    call.recordError(error);
    throw error;
  } finally {
    call.end();
  }
}
