import type { AttrValue, SpanRecord } from '../otlp/span-record.js';
import { GENAI_FIELDS, type FieldType, type GenAiField } from './genai-fields.js';
import { classifyOperation, type OperationKind } from './operation-kind.js';
import { processKey } from './process-key.js';

export type { OperationKind } from './operation-kind.js';

/** Token counts of a span, each undefined when no attribute gave it. */
export interface TokenUsage {
  /** Input tokens including cached ones (GenAI conventions). */
  readonly inputTokens?: number;
  readonly outputTokens?: number;
  readonly cacheReadTokens?: number;
  readonly cacheCreationTokens?: number;
  /** A subset of the output tokens. */
  readonly reasoningTokens?: number;
  /** Only when the writer gives it (OpenLLMetry, OpenInference, the AI SDK); never derived. */
  readonly totalTokens?: number;
}

/** The energy attributes of a span (openjoules'), in joules and watts. */
export interface SpanEnergy {
  /** `energy.joules`: everything the measured devices drew while the span ran (else the sum of the components). */
  readonly inclusiveJoules?: number;
  /** `energy.attributed.joules`: the span's fair share. */
  readonly attributedJoules?: number;
  /** Inclusive, per component. */
  readonly gpuJoules?: number;
  readonly cpuJoules?: number;
  readonly dramJoules?: number;
  readonly aneJoules?: number;
  /** Inclusive, split at the first chunk. */
  readonly prefillJoules?: number;
  readonly decodeJoules?: number;
  readonly meanWatts?: number;
  readonly peakWatts?: number;
  readonly method?: string;
  readonly source?: string;
}

/**
 * One span as GenAI sees it, whoever wrote it: openjoules, the OpenTelemetry GenAI instrumentations, OpenLLMetry,
 * OpenInference or the Vercel AI SDK. Where several conventions are present, the current GenAI names win (see
 * genai-fields.ts for every name read and its precedence).
 */
export interface GenAiSpan {
  readonly span: SpanRecord;
  /** Agent turn, model call, tool call, or other (see operation-kind.ts). */
  readonly kind: OperationKind;
  /** `gen_ai.operation.name`, or the GenAI operation a peer's span stands for (`chat`, `invoke_agent`, `execute_tool`). */
  readonly operation?: string;
  readonly requestModel?: string;
  readonly responseModel?: string;
  readonly provider?: string;
  readonly usage: TokenUsage;
  /** US dollars. */
  readonly costUsd?: number;
  /** `gen_ai.conversation.id`, else OpenInference's `session.id`. */
  readonly conversationId?: string;
  /** `user.id` of the span, else of its resource. */
  readonly userId?: string;
  readonly agentName?: string;
  /** The tool's name, for tool calls (from the span name when no attribute says). */
  readonly toolName?: string;
  /** Seconds from the start of the call to its first streamed chunk. */
  readonly ttftSeconds?: number;
  readonly stream?: boolean;
  /** `openjoules.sub_model_call` (a model run by a tool, marked by our API). */
  readonly subModelCall: boolean;
  /** Status ERROR. */
  readonly failed: boolean;
  /** `error.type`, or `_OTHER` for a span in error without one. */
  readonly errorType?: string;
  /** Undefined when the span carries no energy attribute. */
  readonly energy?: SpanEnergy;
  /** Identity of the process that wrote the span (its resource): attribution never crosses it. */
  readonly process: string;
}

const STATUS_ERROR = 2;
const FIELDS = Object.keys(GENAI_FIELDS) as GenAiField[];
const TYPES: FieldType[] = FIELDS.map((f) => GENAI_FIELDS[f].type);
/** Field name → index into the scratch arrays. */
const F = Object.fromEntries(FIELDS.map((f, i) => [f, i])) as Record<GenAiField, number>;

/** Attribute key → the fields it can fill, each with its rank (0 = highest precedence). */
const SLOTS = new Map<string, Array<{ field: number; rank: number }>>();
FIELDS.forEach((field, index) => {
  GENAI_FIELDS[field].keys.forEach((key: string, rank: number) => {
    const list = SLOTS.get(key) ?? [];
    list.push({ field: index, rank });
    SLOTS.set(key, list);
  });
});

// Scratch for one read (the reader is synchronous): no per-span arrays.
const values: Array<AttrValue | undefined> = new Array<AttrValue | undefined>(FIELDS.length);
const ranks = new Int32Array(FIELDS.length);

function accepts(value: AttrValue, type: FieldType): boolean {
  switch (type) {
    case 'text':
      return typeof value === 'string' && value !== '';
    case 'amount':
      return typeof value === 'number' && Number.isFinite(value) && value >= 0;
    case 'flag':
      return typeof value === 'boolean' || value === 'true' || value === 'false';
  }
}

/**
 * Reads a span's GenAI view in one pass over its attributes (one map lookup per attribute, whatever the number of
 * conventions known), so the hot path of `rollup` pays for what a span carries, not for what it could carry.
 */
export function readGenAiSpan(span: SpanRecord): GenAiSpan {
  values.fill(undefined);
  ranks.fill(0x7fffffff);
  const attrs = span.attributes;
  for (const key in attrs) {
    const slots = SLOTS.get(key);
    if (slots === undefined) continue;
    const value = attrs[key]!;
    for (let k = 0; k < slots.length; k++) {
      const { field, rank } = slots[k]!;
      if (rank < ranks[field]! && accepts(value, TYPES[field]!)) {
        // A flag stored as "true"/"false" is normalised when read.
        values[field] = value;
        ranks[field] = rank;
      }
    }
  }
  const aiOperationIdAttr = values[F.aiOperationId] as string | undefined;
  // The AI SDK names its spans after their operation id; older versions set no `ai.operationId`.
  const aiOperationId = aiOperationIdAttr ?? (span.name.startsWith('ai.') ? span.name : undefined);
  const { kind, operation } = classifyOperation(
    values[F.operationName] as string | undefined,
    values[F.openinferenceKind] as string | undefined,
    values[F.traceloopKind] as string | undefined,
    values[F.llmRequestType] as string | undefined,
    aiOperationId,
  );
  const entity = values[F.traceloopEntity] as string | undefined;
  const msToFirstChunk = values[F.msToFirstChunk] as number | undefined;
  const resourceUser = span.resource['user.id'];
  const toolName = values[F.toolName] as string | undefined;
  const stream = values[F.stream];
  const subModelCall = values[F.subModelCall];
  const failed = span.statusCode === STATUS_ERROR;
  return {
    span,
    kind,
    operation,
    requestModel: values[F.requestModel] as string | undefined,
    responseModel: values[F.responseModel] as string | undefined,
    provider: values[F.provider] as string | undefined,
    usage: {
      inputTokens: values[F.inputTokens] as number | undefined,
      outputTokens: values[F.outputTokens] as number | undefined,
      cacheReadTokens: values[F.cacheReadTokens] as number | undefined,
      cacheCreationTokens: values[F.cacheCreationTokens] as number | undefined,
      reasoningTokens: values[F.reasoningTokens] as number | undefined,
      totalTokens: values[F.totalTokens] as number | undefined,
    },
    costUsd: values[F.costUsd] as number | undefined,
    conversationId: values[F.conversationId] as string | undefined,
    userId: (values[F.userId] as string | undefined) ?? (typeof resourceUser === 'string' && resourceUser !== '' ? resourceUser : undefined),
    agentName: (values[F.agentName] as string | undefined) ?? (kind === 'agent' ? entity : undefined),
    toolName: kind === 'tool' ? (toolName ?? entity ?? toolNameFromSpanName(span.name)) : toolName,
    ttftSeconds: (values[F.ttftSeconds] as number | undefined) ?? (msToFirstChunk === undefined ? undefined : msToFirstChunk / 1000),
    stream: stream !== undefined ? stream === true || stream === 'true' : aiOperationId?.endsWith('.doStream') ? true : undefined,
    subModelCall: subModelCall === true || subModelCall === 'true',
    failed,
    errorType: (values[F.errorType] as string | undefined) ?? (failed ? '_OTHER' : undefined),
    energy: values[F.energyJoules] !== undefined || values[F.attributedJoules] !== undefined || hasComponent() ? readEnergy() : undefined,
    process: processKey(span.resource),
  };
}

function hasComponent(): boolean {
  return values[F.gpuJoules] !== undefined || values[F.cpuJoules] !== undefined || values[F.dramJoules] !== undefined || values[F.aneJoules] !== undefined;
}

function readEnergy(): SpanEnergy {
  const gpuJoules = values[F.gpuJoules] as number | undefined;
  const cpuJoules = values[F.cpuJoules] as number | undefined;
  const dramJoules = values[F.dramJoules] as number | undefined;
  const aneJoules = values[F.aneJoules] as number | undefined;
  let inclusiveJoules = values[F.energyJoules] as number | undefined;
  if (inclusiveJoules === undefined && hasComponent()) inclusiveJoules = (gpuJoules ?? 0) + (cpuJoules ?? 0) + (dramJoules ?? 0) + (aneJoules ?? 0);
  return {
    inclusiveJoules,
    attributedJoules: values[F.attributedJoules] as number | undefined,
    gpuJoules,
    cpuJoules,
    dramJoules,
    aneJoules,
    prefillJoules: values[F.prefillJoules] as number | undefined,
    decodeJoules: values[F.decodeJoules] as number | undefined,
    meanWatts: values[F.meanWatts] as number | undefined,
    peakWatts: values[F.peakWatts] as number | undefined,
    method: values[F.energyMethod] as string | undefined,
    source: values[F.energySource] as string | undefined,
  };
}

/** `execute_tool search` → `search`; any other name as it is. */
function toolNameFromSpanName(name: string): string {
  return name.startsWith('execute_tool ') ? name.slice(13) : name;
}
