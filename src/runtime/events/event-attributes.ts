// Which event metadata becomes which span attribute. Only known, non-content fields are read: tool arguments,
// error messages, tracebacks and anything else in the metadata stay off the spans.
import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_TOOL_CALL_ID,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
  ATTR_OPENJOULES_COST_USD,
  ATTR_OPENJOULES_ERROR_FATAL,
  ATTR_OPENJOULES_QUERY_ACCURACY,
  ATTR_OPENJOULES_QUERY_COMPLETED,
  ATTR_OPENJOULES_QUERY_RESOLVED,
  ATTR_OPENJOULES_RETRY_ATTEMPT,
  ATTR_OPENJOULES_SUB_MODEL_CALL,
  ATTR_OPENJOULES_TURN_INDEX,
  ATTR_OPENJOULES_WORKLOAD_TYPE,
} from '../../semconv.js';
import { MODEL_OPERATIONS } from '../../genai-operations.js';

/** Event metadata, as recorded. */
export type Payload = Readonly<Record<string, unknown>>;


export function str(p: Payload, ...keys: string[]): string | undefined {
  for (const key of keys) {
    const v = p[key];
    if (typeof v === 'string' && v !== '') return v;
  }
  return undefined;
}

export function num(p: Payload, ...keys: string[]): number | undefined {
  for (const key of keys) {
    const v = p[key];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return undefined;
}

function int(p: Payload, ...keys: string[]): number | undefined {
  const v = num(p, ...keys);
  return v !== undefined && Number.isInteger(v) ? v : undefined;
}

function defined(attributes: Record<string, Attributes[string] | undefined>): Attributes {
  const out: Attributes = {};
  for (const [key, value] of Object.entries(attributes)) if (value !== undefined) out[key] = value;
  return out;
}

/** `agent_start {agent_name, task_id}` → the query's root span (`invoke_workflow {agent_name}`). */
export function agentStart(p: Payload): { name: string; attributes: Attributes } {
  const agentName = str(p, 'agent_name', 'agent');
  return {
    name: agentName ? `invoke_workflow ${agentName}` : 'invoke_workflow',
    attributes: defined({
      [ATTR_GEN_AI_OPERATION_NAME]: 'invoke_workflow',
      [ATTR_GEN_AI_AGENT_NAME]: agentName,
      // The seed's task id names the query, as gen_ai.conversation.id does (it becomes the summary's query_id).
      [ATTR_GEN_AI_CONVERSATION_ID]: str(p, 'conversation_id', 'task_id'),
      [ATTR_OPENJOULES_WORKLOAD_TYPE]: str(p, 'workload_type', 'workload'),
    }),
  };
}

/** `turn_start {turn_idx}` → `invoke_agent {agent}`. */
export function turnStart(p: Payload, agentName: string | undefined, conversationId: string | undefined): { name: string; attributes: Attributes } {
  const name = str(p, 'agent_name') ?? agentName;
  return {
    name: name ? `invoke_agent ${name}` : 'invoke_agent',
    attributes: defined({
      [ATTR_GEN_AI_OPERATION_NAME]: 'invoke_agent',
      [ATTR_GEN_AI_AGENT_NAME]: name,
      [ATTR_GEN_AI_CONVERSATION_ID]: conversationId,
      [ATTR_OPENJOULES_TURN_INDEX]: turnIndex(p),
    }),
  };
}

export function turnIndex(p: Payload): number | undefined {
  return int(p, 'turn_idx', 'turn_index');
}

/** `lm_inference_start` / `submodel_call_start {model}` → `chat {model}`. */
export function llmStart(p: Payload, subModel: boolean, conversationId: string | undefined): { name: string; attributes: Attributes } {
  const requested = str(p, 'operation');
  const operation = requested && MODEL_OPERATIONS.has(requested) ? requested : 'chat';
  const model = str(p, 'model', 'model_id');
  return {
    name: model ? `${operation} ${model}` : operation,
    attributes: defined({
      [ATTR_GEN_AI_OPERATION_NAME]: operation,
      [ATTR_GEN_AI_REQUEST_MODEL]: model,
      [ATTR_GEN_AI_PROVIDER_NAME]: str(p, 'provider'),
      [ATTR_GEN_AI_CONVERSATION_ID]: conversationId,
      [ATTR_OPENJOULES_SUB_MODEL_CALL]: subModel ? true : undefined,
    }),
  };
}

/** `tool_call_start {tool}` → `execute_tool {tool}`. Arguments are content and are left off. */
export function toolStart(p: Payload, correlationId: string | undefined, conversationId: string | undefined): { name: string; attributes: Attributes } {
  const tool = str(p, 'tool', 'tool_name') ?? 'unknown';
  return {
    name: `execute_tool ${tool}`,
    attributes: defined({
      [ATTR_GEN_AI_OPERATION_NAME]: 'execute_tool',
      [ATTR_GEN_AI_TOOL_NAME]: tool,
      [ATTR_GEN_AI_TOOL_CALL_ID]: str(p, 'tool_call_id') ?? correlationId,
      [ATTR_GEN_AI_CONVERSATION_ID]: conversationId,
    }),
  };
}

/** Usage and cost on an LLM end event: new names (`input_tokens`) or the legacy ones (`prompt_tokens`). */
export function llmEnd(p: Payload): Attributes {
  return defined({
    [ATTR_GEN_AI_REQUEST_MODEL]: str(p, 'model', 'model_id'),
    [ATTR_GEN_AI_RESPONSE_MODEL]: str(p, 'response_model'),
    [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: int(p, 'input_tokens', 'prompt_tokens'),
    [ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: int(p, 'output_tokens', 'completion_tokens'),
    [ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS]: int(p, 'cached_tokens', 'cache_read_input_tokens'),
    [ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS]: int(p, 'reasoning_tokens'),
  });
}

/** Cost of any operation, in US dollars. */
export function cost(p: Payload): Attributes {
  return defined({ [ATTR_OPENJOULES_COST_USD]: num(p, 'cost_usd') });
}

/**
 * Whether an end event reports a failure, and its `error.type`. Tools say `status: "error"`; the agent says
 * `status: "success" | "failed" | "max_turns_exhausted"`. The error message is content and is not kept.
 */
export function failure(p: Payload): string | undefined {
  const status = str(p, 'status');
  const errorType = str(p, 'error_type');
  if (status === undefined || status === 'ok' || status === 'success') return errorType;
  return errorType ?? (status === 'error' ? '_OTHER' : status);
}

/** `agent_end {status}` → `openjoules.query.completed`. */
export function agentEnd(p: Payload): Attributes {
  const status = str(p, 'status');
  return defined({ [ATTR_OPENJOULES_QUERY_COMPLETED]: status === undefined ? undefined : status === 'success', ...resolution(p) });
}

/**
 * A grade (`trajectory_end` or `agent_end` metadata): `is_resolved`/`resolved` booleans, or `accuracy` as a
 * boolean or a score. A score sets `openjoules.query.resolved` only when it is exactly 0 or 1; a partial score
 * is kept as `openjoules.query.accuracy` without deciding resolved.
 */
export function resolution(p: Payload): Attributes {
  const accuracy = p.accuracy ?? p.accuracy_score;
  let resolved = [p.is_resolved, p.resolved].find((v): v is boolean => typeof v === 'boolean');
  let score: number | undefined;
  if (typeof accuracy === 'boolean') resolved ??= accuracy;
  else if (typeof accuracy === 'number' && Number.isFinite(accuracy)) {
    score = accuracy;
    if (accuracy === 1 || accuracy === 0) resolved ??= accuracy === 1;
  }
  return defined({ [ATTR_OPENJOULES_QUERY_RESOLVED]: resolved, [ATTR_OPENJOULES_QUERY_ACCURACY]: score });
}

/** `retry_attempt {turn_idx, attempt, error_class, error_type}` → attributes of the span event. */
export function retryAttempt(p: Payload): Attributes {
  const errorClass = str(p, 'error_class');
  return defined({
    [ATTR_OPENJOULES_RETRY_ATTEMPT]: int(p, 'attempt'),
    [ATTR_ERROR_TYPE]: str(p, 'error_type'),
    [ATTR_OPENJOULES_ERROR_FATAL]: errorClass === undefined ? undefined : errorClass === 'fatal',
    [ATTR_OPENJOULES_TURN_INDEX]: turnIndex(p),
  });
}

/** `error_classified {fatal, error}` → attributes of the span event (the message is left off). */
export function errorClassified(p: Payload): Attributes {
  return defined({
    [ATTR_OPENJOULES_ERROR_FATAL]: typeof p.fatal === 'boolean' ? p.fatal : undefined,
    [ATTR_ERROR_TYPE]: str(p, 'error_type'),
  });
}
