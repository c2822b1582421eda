import { MODEL_OPERATIONS } from '../../genai-operations.js';

export { MODEL_OPERATIONS };

/** What a span is to an agent: a turn of an agent, a call to a model, a call to a tool, or anything else. */
export type OperationKind = 'agent' | 'model' | 'tool' | 'other';


type Classified = { readonly kind: OperationKind; readonly operation?: string };
// Shared results: this runs for every span.
const MODEL_CHAT: Classified = Object.freeze({ kind: 'model', operation: 'chat' });
const MODEL_COMPLETION: Classified = Object.freeze({ kind: 'model', operation: 'text_completion' });
const AGENT: Classified = Object.freeze({ kind: 'agent', operation: 'invoke_agent' });
const TOOL: Classified = Object.freeze({ kind: 'tool', operation: 'execute_tool' });
const OTHER: Classified = Object.freeze({ kind: 'other' });
/** `gen_ai.operation.name` value → its result; capped so odd input cannot grow it. */
const BY_NAME = new Map<string, Classified>();

function byOperationName(op: string): Classified {
  let found = BY_NAME.get(op);
  if (found === undefined) {
    const kind: OperationKind = MODEL_OPERATIONS.has(op) ? 'model' : op === 'invoke_agent' ? 'agent' : op === 'execute_tool' ? 'tool' : 'other';
    found = Object.freeze({ kind, operation: op });
    if (BY_NAME.size < 1024) BY_NAME.set(op, found);
  }
  return found;
}

/** AI SDK calls that run an agent loop (steps, tool calls): their spans are the v6 equivalent of v7's `invoke_agent`. */
const AI_SDK_TURNS = new Set(['ai.generateText', 'ai.streamText', 'ai.generateObject', 'ai.streamObject']);
/** AI SDK spans that are one call to the model provider. */
const AI_SDK_MODEL_CALLS = new Set(['ai.generateText.doGenerate', 'ai.streamText.doStream', 'ai.generateObject.doGenerate', 'ai.streamObject.doStream']);

/**
 * The kind of a span and the GenAI operation it stands for. The first convention that says wins, in this order:
 * `gen_ai.operation.name` (chat / text_completion / generate_content → model, invoke_agent → agent, execute_tool →
 * tool, any other value → other); OpenInference's span kind (LLM, AGENT, TOOL); OpenLLMetry's `traceloop.span.kind`
 * (agent, tool) and `llm.request.type` (chat, completion → model); the AI SDK's operation id (`*.doGenerate` /
 * `*.doStream` → model, `ai.generateText` / `ai.streamText` / `ai.generateObject` / `ai.streamObject` → agent,
 * `ai.toolCall` → tool). Arguments: those attributes' values as read from the span (the AI SDK's operation id or,
 * without one, its span name).
 */
export function classifyOperation(
  operationName: string | undefined,
  openinferenceKind: string | undefined,
  traceloopKind: string | undefined,
  llmRequestType: string | undefined,
  aiOperationId: string | undefined,
): Classified {
  if (operationName !== undefined) return byOperationName(operationName);
  switch (openinferenceKind?.toUpperCase()) {
    case 'LLM':
      return MODEL_CHAT;
    case 'AGENT':
      return AGENT;
    case 'TOOL':
      return TOOL;
    case undefined:
      break;
    default:
      return OTHER;
  }
  if (traceloopKind === 'agent') return AGENT;
  if (traceloopKind === 'tool') return TOOL;
  if (llmRequestType === 'chat') return MODEL_CHAT;
  if (llmRequestType === 'completion') return MODEL_COMPLETION;
  if (aiOperationId !== undefined) {
    if (AI_SDK_MODEL_CALLS.has(aiOperationId)) return MODEL_CHAT;
    if (AI_SDK_TURNS.has(aiOperationId)) return AGENT;
    if (aiOperationId === 'ai.toolCall') return TOOL;
  }
  return OTHER;
}
