import * as peer from './peer-attributes.js';
import * as sc from '../../semconv.js';

/** How a field's value must look to be taken: a non-empty string, a finite number ≥ 0, or a boolean. */
export type FieldType = 'text' | 'amount' | 'flag';

/**
 * Every span attribute the GenAI view reads, per field, in precedence order: the current OpenTelemetry GenAI name
 * (and ours) first, then OpenLLMetry's, OpenInference's and the Vercel AI SDK's. The first key present with a value
 * of the field's type wins; a key with a wrong-typed value is passed over.
 */
export const GENAI_FIELDS = {
  operationName: { type: 'text', keys: [sc.ATTR_GEN_AI_OPERATION_NAME] },
  openinferenceKind: { type: 'text', keys: [peer.OPENINFERENCE_SPAN_KIND] },
  traceloopKind: { type: 'text', keys: [peer.TRACELOOP_SPAN_KIND] },
  llmRequestType: { type: 'text', keys: [peer.OPENLLMETRY_REQUEST_TYPE] },
  aiOperationId: { type: 'text', keys: [peer.AI_OPERATION_ID] },
  traceloopEntity: { type: 'text', keys: [peer.TRACELOOP_ENTITY_NAME] },
  requestModel: {
    type: 'text',
    keys: [sc.ATTR_GEN_AI_REQUEST_MODEL, peer.OPENINFERENCE_REQUEST_MODEL_NAME, peer.OPENINFERENCE_MODEL_NAME, peer.AI_MODEL_ID],
  },
  responseModel: { type: 'text', keys: [sc.ATTR_GEN_AI_RESPONSE_MODEL, peer.OPENINFERENCE_RESPONSE_MODEL_NAME, peer.AI_RESPONSE_MODEL] },
  provider: {
    type: 'text',
    keys: [sc.ATTR_GEN_AI_PROVIDER_NAME, peer.GEN_AI_SYSTEM, peer.OPENINFERENCE_PROVIDER, peer.OPENINFERENCE_SYSTEM, peer.AI_MODEL_PROVIDER],
  },
  inputTokens: {
    type: 'amount',
    keys: [sc.ATTR_GEN_AI_USAGE_INPUT_TOKENS, peer.OPENLLMETRY_USAGE_PROMPT_TOKENS, peer.OPENINFERENCE_TOKEN_COUNT_PROMPT, peer.AI_USAGE_INPUT_TOKENS, peer.AI_USAGE_PROMPT_TOKENS],
  },
  outputTokens: {
    type: 'amount',
    keys: [
      sc.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
      peer.OPENLLMETRY_USAGE_COMPLETION_TOKENS,
      peer.OPENINFERENCE_TOKEN_COUNT_COMPLETION,
      peer.AI_USAGE_OUTPUT_TOKENS,
      peer.AI_USAGE_COMPLETION_TOKENS,
    ],
  },
  cacheReadTokens: {
    type: 'amount',
    keys: [
      sc.ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
      peer.OPENLLMETRY_USAGE_CACHE_READ_INPUT_TOKENS,
      peer.OPENINFERENCE_TOKEN_COUNT_CACHE_READ,
      peer.AI_USAGE_CACHE_READ_TOKENS,
      peer.AI_USAGE_CACHED_INPUT_TOKENS,
    ],
  },
  cacheCreationTokens: {
    type: 'amount',
    keys: [
      sc.ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
      peer.GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS,
      peer.OPENLLMETRY_USAGE_CACHE_CREATION_INPUT_TOKENS,
      peer.OPENINFERENCE_TOKEN_COUNT_CACHE_WRITE,
      peer.AI_USAGE_CACHE_WRITE_TOKENS,
    ],
  },
  reasoningTokens: {
    type: 'amount',
    keys: [sc.ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS, peer.OPENLLMETRY_USAGE_REASONING_TOKENS, peer.OPENINFERENCE_TOKEN_COUNT_REASONING, peer.AI_USAGE_REASONING_TOKENS],
  },
  totalTokens: { type: 'amount', keys: [peer.OPENLLMETRY_USAGE_TOTAL_TOKENS, peer.OPENINFERENCE_TOKEN_COUNT_TOTAL, peer.AI_USAGE_TOTAL_TOKENS] },
  costUsd: { type: 'amount', keys: [sc.ATTR_OPENJOULES_COST_USD, peer.OPENINFERENCE_COST_TOTAL] },
  conversationId: { type: 'text', keys: [sc.ATTR_GEN_AI_CONVERSATION_ID, peer.OPENINFERENCE_SESSION_ID] },
  userId: { type: 'text', keys: [sc.ATTR_USER_ID] },
  agentName: { type: 'text', keys: [sc.ATTR_GEN_AI_AGENT_NAME, peer.OPENINFERENCE_AGENT_NAME, peer.AI_TELEMETRY_FUNCTION_ID] },
  toolName: { type: 'text', keys: [sc.ATTR_GEN_AI_TOOL_NAME, peer.OPENINFERENCE_TOOL_NAME, peer.AI_TOOL_CALL_NAME] },
  ttftSeconds: { type: 'amount', keys: [sc.ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK] },
  msToFirstChunk: { type: 'amount', keys: [peer.AI_RESPONSE_MS_TO_FIRST_CHUNK] },
  stream: { type: 'flag', keys: [sc.ATTR_GEN_AI_REQUEST_STREAM] },
  subModelCall: { type: 'flag', keys: [sc.ATTR_OPENJOULES_SUB_MODEL_CALL] },
  errorType: { type: 'text', keys: [sc.ATTR_ERROR_TYPE] },
  energyJoules: { type: 'amount', keys: [sc.ATTR_ENERGY_JOULES] },
  attributedJoules: { type: 'amount', keys: [sc.ATTR_ENERGY_ATTRIBUTED_JOULES] },
  gpuJoules: { type: 'amount', keys: [sc.ATTR_ENERGY_GPU_JOULES] },
  cpuJoules: { type: 'amount', keys: [sc.ATTR_ENERGY_CPU_JOULES] },
  dramJoules: { type: 'amount', keys: [sc.ATTR_ENERGY_DRAM_JOULES] },
  aneJoules: { type: 'amount', keys: [sc.ATTR_ENERGY_ANE_JOULES] },
  prefillJoules: { type: 'amount', keys: [sc.ATTR_ENERGY_PREFILL_JOULES] },
  decodeJoules: { type: 'amount', keys: [sc.ATTR_ENERGY_DECODE_JOULES] },
  meanWatts: { type: 'amount', keys: [sc.ATTR_ENERGY_MEAN_WATTS] },
  peakWatts: { type: 'amount', keys: [sc.ATTR_ENERGY_PEAK_WATTS] },
  gpuUtilizationMean: { type: 'amount', keys: [sc.ATTR_ENERGY_GPU_UTILIZATION_MEAN] },
  gpuMemoryPeakBytes: { type: 'amount', keys: [sc.ATTR_ENERGY_GPU_MEMORY_PEAK_BYTES] },
  gpuTemperatureMeanCelsius: { type: 'amount', keys: [sc.ATTR_ENERGY_GPU_TEMPERATURE_MEAN_CELSIUS] },
  remoteJoules: { type: 'amount', keys: [sc.ATTR_ENERGY_REMOTE_JOULES] },
  remoteMinJoules: { type: 'amount', keys: [sc.ATTR_ENERGY_REMOTE_MIN_JOULES] },
  remoteMaxJoules: { type: 'amount', keys: [sc.ATTR_ENERGY_REMOTE_MAX_JOULES] },
  remoteMethod: { type: 'text', keys: [sc.ATTR_ENERGY_REMOTE_METHOD] },
  remoteSource: { type: 'text', keys: [sc.ATTR_ENERGY_REMOTE_SOURCE] },
  energyMethod: { type: 'text', keys: [sc.ATTR_ENERGY_METHOD] },
  energySource: { type: 'text', keys: [sc.ATTR_ENERGY_SOURCE] },
} as const satisfies Record<string, { readonly type: FieldType; readonly keys: readonly string[] }>;

/** One field of {@link GENAI_FIELDS}. */
export type GenAiField = keyof typeof GENAI_FIELDS;
