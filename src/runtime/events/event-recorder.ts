import { diag, type Tracer } from '@opentelemetry/api';
import { EventBus } from './event-bus.js';
import { isEventType, type AgentEvent } from './event-types.js';
import { attachSpanBridge } from './events-to-spans.js';

/** Options of {@link EventRecorder}. */
export interface EventRecorderOptions {
  /** The bus to publish on; default a new one (see {@link EventRecorder.bus}). */
  readonly bus?: EventBus;
  /** Turn the events into spans (default true): see {@link attachSpanBridge}. */
  readonly spans?: boolean;
  /** Tracer for those spans; default the global provider's `openjoules` tracer, looked up per span. */
  readonly tracer?: Tracer;
}

/** Unix seconds with sub-millisecond resolution, on the clock OpenTelemetry span times use; never goes backwards. */
function nowSeconds(): number {
  return (performance.timeOrigin + performance.now()) / 1000;
}

/**
 * Records agent events with timestamps (the seed's `EventRecorder`). Events whose type is an `EventType` value
 * are also published on {@link bus} (with `timestampNs`, `turnId` from `turn_id`, `correlationId` from
 * `correlation_id`) and, unless `spans: false`, become OpenTelemetry spans as they happen; free-form strings are
 * recorded only. Safe under concurrent async callers: `record` is synchronous, so nothing interleaves inside it and
 * events stay in call order. Never throws into the caller.
 *
 * @example
 * const recorder = new EventRecorder();
 * recorder.record('tool_call_start', { tool: 'calc', correlation_id: 'c1' });
 * recorder.record('tool_call_end', { tool: 'calc', correlation_id: 'c1', status: 'ok' });
 */
export class EventRecorder {
  /** The bus events are published on; subscribe to it to see them live. */
  readonly bus: EventBus;
  private _events: AgentEvent[] = [];

  /** @param options a bus (as in the seed) or {@link EventRecorderOptions}. */
  constructor(options: EventBus | EventRecorderOptions = {}) {
    const opts: EventRecorderOptions = options instanceof EventBus ? { bus: options } : options;
    this.bus = opts.bus ?? new EventBus();
    if (opts.spans !== false) attachSpanBridge(this.bus, { tracer: opts.tracer });
  }

  /** Records an event stamped with the current time and, for a known event type, publishes it. */
  record(eventType: string, metadata: Record<string, unknown> = {}): void {
    try {
      const timestamp = nowSeconds();
      const meta = { ...metadata };
      this._events.push({ eventType: String(eventType), timestamp, metadata: meta });
      if (!isEventType(eventType)) return;
      this.bus.publish({
        eventType,
        timestampNs: Math.round(timestamp * 1e9),
        payload: { ...meta },
        turnId: idOf(meta.turn_id),
        correlationId: idOf(meta.correlation_id),
      });
    } catch (error) {
      diag.warn('openjoules EventRecorder: could not record an event', error);
    }
  }

  /** A copy of every recorded event, in the order recorded (chronological). */
  getEvents(): AgentEvent[] {
    return [...this._events];
  }

  /** Forgets every recorded event. */
  clear(): void {
    this._events = [];
  }

  /** How many events are recorded (the seed's `len(recorder)`). Unlike the seed, an empty recorder is not falsy. */
  get length(): number {
    return this._events.length;
  }
}

/** A string id, or a number made one; anything else is no id. */
function idOf(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}
