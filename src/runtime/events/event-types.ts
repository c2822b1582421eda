/**
 * The seed's event vocabulary (ipw `telemetry/events.py` `EventType`), value for value, so code that records
 * `'tool_call_start'` keeps working after changing an import.
 */
export const EventType = {
  LM_INFERENCE_START: 'lm_inference_start',
  LM_INFERENCE_END: 'lm_inference_end',
  TOOL_CALL_START: 'tool_call_start',
  TOOL_CALL_END: 'tool_call_end',
  PREFILL_START: 'prefill_start',
  PREFILL_END: 'prefill_end',
  DECODE_START: 'decode_start',
  DECODE_END: 'decode_end',
  /** A model called by a tool or an MCP server rather than by the agent loop. */
  SUBMODEL_CALL_START: 'submodel_call_start',
  SUBMODEL_CALL_END: 'submodel_call_end',
  AGENT_START: 'agent_start',
  AGENT_END: 'agent_end',
  TURN_START: 'turn_start',
  TURN_END: 'turn_end',
  RETRY_ATTEMPT: 'retry_attempt',
  ERROR_CLASSIFIED: 'error_classified',
  ENERGY_ATTRIBUTED: 'energy_attributed',
  /** Point event after `agent_end` and accuracy scoring; the trajectory's start is implicit at `agent_start`. */
  TRAJECTORY_END: 'trajectory_end',
} as const;

/** One of the {@link EventType} values. */
export type EventType = (typeof EventType)[keyof typeof EventType];

const VALUES: ReadonlySet<string> = new Set(Object.values(EventType));

/** Whether a string is one of the {@link EventType} values (the seed's `EventType(value)` not raising). */
export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && VALUES.has(value);
}

/** One recorded event (the seed's `AgentEvent` dataclass). */
export interface AgentEvent {
  /** An {@link EventType} value or any free-form string. */
  readonly eventType: string;
  /** Unix time in seconds (float), like Python's `time.time()`. */
  readonly timestamp: number;
  readonly metadata: Readonly<Record<string, unknown>>;
}
