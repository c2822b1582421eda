/**
 * Attribute names other instrumentations write, read (never written) by the analysis layer. Ours and the current
 * OpenTelemetry GenAI names live in src/semconv.ts; these are the peers' own, as their packages spell them:
 * OpenLLMetry (`@traceloop/ai-semantic-conventions`), OpenInference (`@arizeai/openinference-semantic-conventions`)
 * and the Vercel AI SDK's `ai.*` telemetry (v6, and v7's `LegacyOpenTelemetry`).
 */

// OpenTelemetry GenAI names that are deprecated or newer than our registry, still written by others.
/** Deprecated provider name (renamed `gen_ai.provider.name` in GenAI v1.37); OpenLLMetry and the AI SDK v6 write it. */
export const GEN_AI_SYSTEM = 'gen_ai.system';
/** The GenAI repository's new name of `gen_ai.usage.cache_creation.input_tokens`. */
export const GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS = 'gen_ai.usage.cache_write.input_tokens';

// OpenLLMetry (Traceloop).
export const OPENLLMETRY_USAGE_PROMPT_TOKENS = 'gen_ai.usage.prompt_tokens';
export const OPENLLMETRY_USAGE_COMPLETION_TOKENS = 'gen_ai.usage.completion_tokens';
export const OPENLLMETRY_USAGE_CACHE_READ_INPUT_TOKENS = 'gen_ai.usage.cache_read_input_tokens';
export const OPENLLMETRY_USAGE_CACHE_CREATION_INPUT_TOKENS = 'gen_ai.usage.cache_creation_input_tokens';
export const OPENLLMETRY_USAGE_REASONING_TOKENS = 'gen_ai.usage.reasoning_tokens';
export const OPENLLMETRY_USAGE_TOTAL_TOKENS = 'llm.usage.total_tokens';
/** `chat`, `completion`, `rerank`, `unknown`: set on model-call spans. */
export const OPENLLMETRY_REQUEST_TYPE = 'llm.request.type';
/** `workflow`, `task`, `agent`, `tool`, `unknown`: set on the spans of its decorators. */
export const TRACELOOP_SPAN_KIND = 'traceloop.span.kind';
/** The decorated function's name (a tool's or agent's name on those spans). */
export const TRACELOOP_ENTITY_NAME = 'traceloop.entity.name';

// OpenInference (Arize).
/** `LLM`, `TOOL`, `AGENT`, `CHAIN`, `RETRIEVER`, `EMBEDDING`, `RERANKER`, `GUARDRAIL`, `EVALUATOR`, `PROMPT`. */
export const OPENINFERENCE_SPAN_KIND = 'openinference.span.kind';
export const OPENINFERENCE_MODEL_NAME = 'llm.model_name';
export const OPENINFERENCE_REQUEST_MODEL_NAME = 'llm.request.model_name';
export const OPENINFERENCE_RESPONSE_MODEL_NAME = 'llm.response.model_name';
export const OPENINFERENCE_PROVIDER = 'llm.provider';
export const OPENINFERENCE_SYSTEM = 'llm.system';
export const OPENINFERENCE_TOKEN_COUNT_PROMPT = 'llm.token_count.prompt';
export const OPENINFERENCE_TOKEN_COUNT_COMPLETION = 'llm.token_count.completion';
export const OPENINFERENCE_TOKEN_COUNT_TOTAL = 'llm.token_count.total';
export const OPENINFERENCE_TOKEN_COUNT_CACHE_READ = 'llm.token_count.prompt_details.cache_read';
export const OPENINFERENCE_TOKEN_COUNT_CACHE_WRITE = 'llm.token_count.prompt_details.cache_write';
export const OPENINFERENCE_TOKEN_COUNT_REASONING = 'llm.token_count.completion_details.reasoning';
/** Total cost of the call in USD. */
export const OPENINFERENCE_COST_TOTAL = 'llm.cost.total';
export const OPENINFERENCE_TOOL_NAME = 'tool.name';
export const OPENINFERENCE_AGENT_NAME = 'agent.name';
export const OPENINFERENCE_SESSION_ID = 'session.id';

// Vercel AI SDK.
/** `ai.generateText`, `ai.generateText.doGenerate`, `ai.streamText.doStream`, `ai.toolCall`, … (else the span name). */
export const AI_OPERATION_ID = 'ai.operationId';
export const AI_MODEL_ID = 'ai.model.id';
export const AI_MODEL_PROVIDER = 'ai.model.provider';
export const AI_RESPONSE_MODEL = 'ai.response.model';
export const AI_USAGE_INPUT_TOKENS = 'ai.usage.inputTokens';
export const AI_USAGE_PROMPT_TOKENS = 'ai.usage.promptTokens';
export const AI_USAGE_OUTPUT_TOKENS = 'ai.usage.outputTokens';
export const AI_USAGE_COMPLETION_TOKENS = 'ai.usage.completionTokens';
export const AI_USAGE_TOTAL_TOKENS = 'ai.usage.totalTokens';
export const AI_USAGE_REASONING_TOKENS = 'ai.usage.reasoningTokens';
export const AI_USAGE_CACHED_INPUT_TOKENS = 'ai.usage.cachedInputTokens';
export const AI_USAGE_CACHE_READ_TOKENS = 'ai.usage.inputTokenDetails.cacheReadTokens';
export const AI_USAGE_CACHE_WRITE_TOKENS = 'ai.usage.inputTokenDetails.cacheWriteTokens';
/** Milliseconds from the call's start to its first streamed chunk. */
export const AI_RESPONSE_MS_TO_FIRST_CHUNK = 'ai.response.msToFirstChunk';
export const AI_TOOL_CALL_NAME = 'ai.toolCall.name';
/** The caller's `functionId`; v7 makes it `gen_ai.agent.name`. */
export const AI_TELEMETRY_FUNCTION_ID = 'ai.telemetry.functionId';
