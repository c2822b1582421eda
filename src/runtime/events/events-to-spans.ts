import { context, diag, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
  EVENT_OPENJOULES_ERROR_CLASSIFIED,
  EVENT_OPENJOULES_RETRY_ATTEMPT,
  EVENT_OPENJOULES_TRAJECTORY_END,
} from '../../semconv.js';
import { getTracer } from '../api/tracer.js';
import * as attrs from './event-attributes.js';
import type { BusEvent, EventBus } from './event-bus.js';

/** The spans events open: the query root, a turn, an agent-loop LLM call, a tool call, a model run by a tool. */
type Kind = 'agent' | 'turn' | 'llm' | 'tool' | 'submodel';

const EDGES: Readonly<Record<string, readonly [Kind, 'start' | 'end']>> = {
  agent_start: ['agent', 'start'],
  agent_end: ['agent', 'end'],
  turn_start: ['turn', 'start'],
  turn_end: ['turn', 'end'],
  lm_inference_start: ['llm', 'start'],
  lm_inference_end: ['llm', 'end'],
  tool_call_start: ['tool', 'start'],
  tool_call_end: ['tool', 'end'],
  submodel_call_start: ['submodel', 'start'],
  submodel_call_end: ['submodel', 'end'],
};

/** Where each kind opens: under the innermost open span of the first kinds listed that has one. */
const PARENTS: Readonly<Record<Kind, readonly (readonly Kind[])[]>> = {
  agent: [],
  turn: [['agent']],
  llm: [['turn', 'agent']],
  // Legacy recordings have no turns: lm_inference_start..end brackets the turn, so a tool goes under it.
  tool: [['turn', 'agent'], ['llm']],
  submodel: [['tool'], ['llm', 'turn', 'agent']],
};

interface OpenSpan {
  readonly kind: Kind;
  readonly span: Span;
  /** The parent's context with this span set: children start under it. */
  readonly context: Context;
  readonly parent: OpenSpan | undefined;
  readonly startMs: number;
  readonly correlationId?: string;
  readonly turnIndex?: number;
  readonly agentName?: string;
  readonly conversationId?: string;
  /** The span name as started, and the model it names (LLM spans). */
  readonly name: string;
  readonly model?: string;
  /** When the last child ended (or this span started): where a child's end without a start begins. */
  lastEndMs: number;
  ttftFrom?: 'prefill_end' | 'decode_start';
}

/** Options of {@link attachSpanBridge}. */
export interface SpanBridgeOptions {
  /** Default: the global provider's `openjoules` tracer, looked up per span. */
  readonly tracer?: Tracer;
}

const bridges = new WeakMap<EventBus, SpanBridge>();

/**
 * Turns the seed's events on a bus into the spans openjoules' span API makes, live: `agent_start/end` → the
 * query's root `invoke_workflow {agent}`, `turn_*` → `invoke_agent {agent}`, `lm_inference_*` → `chat {model}`,
 * `tool_call_*` → `execute_tool {tool}`, `submodel_call_*` → `chat {model}` with `openjoules.sub_model_call`
 * under the tool, `decode_start`/`prefill_end` → time to first chunk, `retry_attempt`/`error_classified`/
 * `trajectory_end` → span events. Span times are the events' timestamps. One bridge per bus: attaching twice
 * returns the first. Never throws into the publisher.
 */
export function attachSpanBridge(bus: EventBus, options: SpanBridgeOptions = {}): SpanBridge {
  let bridge = bridges.get(bus);
  if (!bridge) {
    bridge = new SpanBridge(bus, options);
    bridges.set(bus, bridge);
  }
  return bridge;
}

/**
 * The subscriber behind {@link attachSpanBridge}. Starts and ends pair by `correlationId` when the end has one,
 * else by type (the latest open span of that kind, the seed's legacy rule; a turn by `turn_idx` first). An end
 * without a start opens its span where the last sibling ended (or where its parent started), so legacy
 * `record('lm_inference_end', {...})` calls still cover the time the model worked; with nothing before it, it is
 * zero-length. A span still open when its parent ends is ended with it.
 */
export class SpanBridge {
  private readonly _open: OpenSpan[] = [];
  private readonly _handle: string;
  private _lastTopEndMs: number | undefined;
  private _lastAgent: OpenSpan | undefined;
  private _failures = 0;

  /** Prefer {@link attachSpanBridge}, which keeps one bridge per bus. */
  constructor(
    private readonly _bus: EventBus,
    private readonly _options: SpanBridgeOptions = {},
  ) {
    this._handle = _bus.subscribe(null, (event) => this._onEvent(event));
  }

  /** How many spans are open (started, not yet ended). */
  get openSpans(): number {
    return this._open.length;
  }

  /** Stops listening and ends every span still open, now. */
  detach(): void {
    this._bus.unsubscribe(this._handle);
    if (bridges.get(this._bus) === this) bridges.delete(this._bus);
    const now = performance.timeOrigin + performance.now();
    for (const open of [...this._open].reverse()) this._close(open, now);
  }

  private _onEvent(event: BusEvent): void {
    try {
      this._dispatch(event);
    } catch (error) {
      // Logged once, then counted: a bad event stream must not flood the host's logs.
      if (this._failures++ === 0) diag.warn('openjoules span bridge: could not map an event to spans', error);
    }
  }

  private _dispatch(event: BusEvent): void {
    const ms = event.timestampNs / 1e6;
    const edge = EDGES[event.eventType];
    if (edge) {
      if (edge[1] === 'start') this._start(edge[0], event, ms);
      else this._end(edge[0], event, ms);
      return;
    }
    const p = event.payload;
    switch (event.eventType) {
      case 'decode_start':
      case 'prefill_end':
        this._firstChunk(event, ms);
        break;
      case 'retry_attempt':
        (this._turnFor(p) ?? this._innermost(['agent']))?.span.addEvent(EVENT_OPENJOULES_RETRY_ATTEMPT, attrs.retryAttempt(p), ms);
        break;
      case 'error_classified':
        this._innermost(['turn', 'agent'])?.span.addEvent(EVENT_OPENJOULES_ERROR_CLASSIFIED, attrs.errorClassified(p), ms);
        break;
      case 'trajectory_end':
        this._trajectoryEnd(p, ms);
        break;
      default:
      // prefill_start, decode_end: no span of their own. energy_attributed: openjoules measures span energy itself.
    }
  }

  private _start(kind: Kind, event: BusEvent, ms: number): OpenSpan {
    const parent = this._parentFor(kind);
    const p = event.payload;
    const conversationId = parent?.conversationId;
    const agentName = this._innermost(['agent'])?.agentName;
    const def =
      kind === 'agent'
        ? attrs.agentStart(p)
        : kind === 'turn'
          ? attrs.turnStart(p, agentName, conversationId)
          : kind === 'tool'
            ? attrs.toolStart(p, event.correlationId, conversationId)
            : attrs.llmStart(p, kind === 'submodel', conversationId);
    const parentContext = parent?.context ?? context.active();
    const tracer = this._options.tracer ?? getTracer();
    const span = tracer.startSpan(
      def.name,
      { kind: kind === 'llm' || kind === 'submodel' ? SpanKind.CLIENT : SpanKind.INTERNAL, startTime: ms, attributes: def.attributes },
      parentContext,
    );
    const open: OpenSpan = {
      kind,
      span,
      context: trace.setSpan(parentContext, span),
      parent,
      startMs: ms,
      correlationId: event.correlationId,
      turnIndex: kind === 'turn' ? attrs.turnIndex(p) : undefined,
      agentName: kind === 'agent' ? attrs.str(p, 'agent_name', 'agent') : undefined,
      conversationId: kind === 'agent' ? attrs.str(p, 'conversation_id', 'task_id') : conversationId,
      name: def.name,
      model: kind === 'llm' || kind === 'submodel' ? attrs.str(p, 'model', 'model_id') : undefined,
      lastEndMs: ms,
    };
    this._open.push(open);
    return open;
  }

  private _end(kind: Kind, event: BusEvent, ms: number): void {
    let open = this._match(kind, event);
    if (!open) {
      const parent = this._parentFor(kind);
      const from = Math.min(ms, parent ? parent.lastEndMs : (this._lastTopEndMs ?? ms));
      open = this._start(kind, event, from);
    }
    const p = event.payload;
    const extra: Attributes = { ...attrs.cost(p) };
    if (kind === 'llm' || kind === 'submodel') {
      Object.assign(extra, attrs.llmEnd(p));
      const model = extra[ATTR_GEN_AI_REQUEST_MODEL];
      // The start's model stands; a model first known at the end (legacy `model_id`) also names the span.
      if (open.model !== undefined) delete extra[ATTR_GEN_AI_REQUEST_MODEL];
      else if (typeof model === 'string') open.span.updateName(`${open.name} ${model}`);
    }
    if (kind === 'agent') Object.assign(extra, attrs.agentEnd(p));
    open.span.setAttributes(extra);
    const errorType = attrs.failure(p);
    if (errorType !== undefined) {
      open.span.setAttribute(ATTR_ERROR_TYPE, errorType);
      open.span.setStatus({ code: SpanStatusCode.ERROR });
    }
    this._close(open, ms);
  }

  /** Ends `open` (and anything still open inside it) at `ms`, never before it started. */
  private _close(open: OpenSpan, ms: number): void {
    for (const child of this._open.filter((o) => o.parent === open)) this._close(child, ms);
    const index = this._open.indexOf(open);
    if (index === -1) return;
    this._open.splice(index, 1);
    const endMs = Math.max(ms, open.startMs);
    open.span.end(endMs);
    if (open.parent) open.parent.lastEndMs = Math.max(open.parent.lastEndMs, endMs);
    else this._lastTopEndMs = endMs;
    if (open.kind === 'agent') this._lastAgent = open;
  }

  private _match(kind: Kind, event: BusEvent): OpenSpan | undefined {
    const candidates = this._open.filter((o) => o.kind === kind);
    if (event.correlationId !== undefined) {
      const byId = findLast(candidates, (o) => o.correlationId === event.correlationId);
      // An end whose id matches nothing may still close a start recorded without an id.
      return byId ?? findLast(candidates, (o) => o.correlationId === undefined);
    }
    if (kind === 'turn') {
      const index = attrs.turnIndex(event.payload);
      const byIndex = index === undefined ? undefined : findLast(candidates, (o) => o.turnIndex === index);
      if (byIndex) return byIndex;
    }
    return candidates[candidates.length - 1];
  }

  private _parentFor(kind: Kind): OpenSpan | undefined {
    for (const kinds of PARENTS[kind]) {
      const found = this._innermost(kinds);
      if (found) return found;
    }
    return undefined;
  }

  private _innermost(kinds: readonly Kind[]): OpenSpan | undefined {
    return findLast(this._open, (o) => kinds.includes(o.kind));
  }

  private _turnFor(p: attrs.Payload): OpenSpan | undefined {
    const index = attrs.turnIndex(p);
    const turns = this._open.filter((o) => o.kind === 'turn');
    return (index === undefined ? undefined : findLast(turns, (o) => o.turnIndex === index)) ?? turns[turns.length - 1];
  }

  /** Time to first chunk on the LLM span: from `decode_start`, else from `prefill_end`. */
  private _firstChunk(event: BusEvent, ms: number): void {
    const llms = this._open.filter((o) => o.kind === 'llm' || o.kind === 'submodel');
    const target =
      (event.correlationId === undefined ? undefined : findLast(llms, (o) => o.correlationId === event.correlationId)) ?? llms[llms.length - 1];
    if (!target) return;
    const from = event.eventType === 'decode_start' ? 'decode_start' : 'prefill_end';
    if (target.ttftFrom === 'decode_start' || (target.ttftFrom === 'prefill_end' && from === 'prefill_end')) return;
    target.ttftFrom = from;
    target.span.setAttribute(ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK, Math.max(0, ms - target.startMs) / 1000);
  }

  /**
   * The grade. It comes after `agent_end` in the seed, when the root span has already ended and can take no more
   * attributes, so it then becomes a zero-length `trajectory_end` child span of the root carrying the result.
   */
  private _trajectoryEnd(p: attrs.Payload, ms: number): void {
    const result = attrs.resolution(p);
    const open = this._innermost(['agent']);
    if (open) {
      open.span.setAttributes(result);
      open.span.addEvent(EVENT_OPENJOULES_TRAJECTORY_END, result, ms);
      return;
    }
    const parentContext = this._lastAgent?.context ?? context.active();
    const tracer = this._options.tracer ?? getTracer();
    const span = tracer.startSpan('trajectory_end', { kind: SpanKind.INTERNAL, startTime: ms, attributes: result }, parentContext);
    span.addEvent(EVENT_OPENJOULES_TRAJECTORY_END, result, ms);
    span.end(ms);
  }
}

function findLast<T>(list: readonly T[], predicate: (item: T) => boolean): T | undefined {
  for (let i = list.length - 1; i >= 0; i--) if (predicate(list[i]!)) return list[i];
  return undefined;
}
