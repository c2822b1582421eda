import type { TokenUsage as RecordedTokenUsage } from '../../runtime/api/agent-spans.js';
import type { AttrValue, SpanRecord } from '../otlp/span-record.js';
import { GENAI_FIELDS, type FieldType, type GenAiField } from './genai-fields.js';
import { classifyOperation, type OperationKind } from './operation-kind.js';
import { processKey } from './process-key.js';

export type { OperationKind } from './operation-kind.js';

/** Token counts of a span, each undefined when no attribute gave it. */
export interface TokenUsage extends RecordedTokenUsage {
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
  /** `energy.gpu.utilization.mean`: 0..1, mean over the GPUs and the span. */
  readonly gpuUtilizationMean?: number;
  /** `energy.gpu.memory.peak.bytes`: summed over the GPUs. */
  readonly gpuMemoryPeakBytes?: number;
  /** `energy.gpu.temperature.mean.celsius`. */
  readonly gpuTemperatureMeanCelsius?: number;
  readonly method?: string;
  readonly source?: string;
}

/** The hosted-API estimate of a call's energy on the provider's side (`energy.remote.*`), in joules. */
export interface RemoteEnergy {
  /** The middle of the bounds. */
  readonly joules: number;
  readonly minJoules?: number;
  readonly maxJoules?: number;
  readonly method?: string;
  /** `energy.remote.source`: the parameter table and row the estimate used. */
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
  /**
   * The provider-side estimate of a hosted-API call, when one was made. Kept apart from {@link energy}: it is not
   * what a measured device drew, so no total of measured joules adds it.
   */
  readonly remoteEnergy?: RemoteEnergy;
  /** Identity of the process that wrote the span (its resource): attribution never crosses it. */
  readonly process: string;
}

const STATUS_ERROR = 2;
const FIELDS = Object.keys(GENAI_FIELDS) as GenAiField[];
const TYPES: FieldType[] = FIELDS.map((f) => GENAI_FIELDS[f].type);
/** Field name → index into the scratch arrays. */
const F = Object.fromEntries(FIELDS.map((f, i) => [f, i])) as Record<GenAiField, number>;

/**
 * Attribute key → the field it fills × 16 + its rank there (0 = highest precedence). A null-prototype object, not a
 * Map: a property lookup on an interned key is the cheapest per-attribute step of the hot path. Every key feeds one
 * field; a key listed under two fields would be a mistake in genai-fields.ts, caught here at load.
 */
const SLOT_OF: Record<string, number> = Object.create(null) as Record<string, number>;
FIELDS.forEach((field, index) => {
  GENAI_FIELDS[field].keys.forEach((key: string, rank: number) => {
    if (SLOT_OF[key] !== undefined) throw new Error(`genai-fields: ${key} feeds two fields`);
    SLOT_OF[key] = index * 16 + rank;
  });
});

// Scratch for one read (the reader is synchronous): no per-span arrays. A field is set in this read when its stamp
// equals the read's number, so nothing is cleared between reads.
const values: Array<AttrValue | undefined> = new Array<AttrValue | undefined>(FIELDS.length).fill(undefined);
const ranks: number[] = new Array<number>(FIELDS.length).fill(0);
const stamps: number[] = new Array<number>(FIELDS.length).fill(0);
let read = 0;

/** The value of a field in this read, else undefined. */
function get(field: number): AttrValue | undefined {
  return stamps[field] === read ? values[field] : undefined;
}

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
  startGenAiRead();
  const attrs = span.attributes;
  for (const key in attrs) {
    const slot = SLOT_OF[key];
    if (slot !== undefined) offerGenAiAttribute(slot, attrs[key]!);
  }
  return finishGenAiRead(span);
}

/** The slot (see {@link offerGenAiAttribute}) an attribute key feeds in the GenAI view, or -1 when the view does not read it. */
export function genAiSlotOf(key: string): number {
  return SLOT_OF[key] ?? -1;
}

/**
 * Starts a GenAI view read attribute by attribute, for a reader that has a span's attributes one at a time and
 * never as an object (the rollup's scanner, rollup/rollup-line-reader.ts): {@link offerGenAiAttribute} for each, then
 * {@link finishGenAiRead}, with nothing else read in between. The same view as {@link readGenAiSpan} of a record
 * holding those attributes.
 */
export function startGenAiRead(): void {
  read = read === 0x3fffffff ? 1 : read + 1;
}

/** One attribute of the span being read, by its slot ({@link genAiSlotOf}, ≥ 0); a key of lower precedence than one taken loses. */
export function offerGenAiAttribute(slot: number, value: AttrValue): void {
  const field = slot >> 4;
  const rank = slot & 15;
  if (stamps[field] === read && rank >= ranks[field]!) return;
  if (!accepts(value, TYPES[field]!)) return;
  values[field] = value;
  ranks[field] = rank;
  stamps[field] = read;
}

/** The view of `span` from the attributes offered since {@link startGenAiRead} (its own `attributes` are not read). */
export function finishGenAiRead(span: SpanRecord): GenAiSpan {
  const aiOperationIdAttr = get(F.aiOperationId) as string | undefined;
  // The AI SDK names its spans after their operation id; older versions set no `ai.operationId`.
  const aiOperationId = aiOperationIdAttr ?? (span.name.startsWith('ai.') ? span.name : undefined);
  const { kind, operation } = classifyOperation(
    get(F.operationName) as string | undefined,
    get(F.openinferenceKind) as string | undefined,
    get(F.traceloopKind) as string | undefined,
    get(F.llmRequestType) as string | undefined,
    aiOperationId,
  );
  const entity = get(F.traceloopEntity) as string | undefined;
  const msToFirstChunk = get(F.msToFirstChunk) as number | undefined;
  const resourceUser = span.resource['user.id'];
  const toolName = get(F.toolName) as string | undefined;
  const stream = get(F.stream);
  const subModelCall = get(F.subModelCall);
  const failed = span.statusCode === STATUS_ERROR;
  return {
    span,
    kind,
    operation,
    requestModel: get(F.requestModel) as string | undefined,
    responseModel: get(F.responseModel) as string | undefined,
    provider: get(F.provider) as string | undefined,
    usage: readUsage(),
    costUsd: get(F.costUsd) as number | undefined,
    conversationId: get(F.conversationId) as string | undefined,
    userId: (get(F.userId) as string | undefined) ?? (typeof resourceUser === 'string' && resourceUser !== '' ? resourceUser : undefined),
    agentName: (get(F.agentName) as string | undefined) ?? (kind === 'agent' ? entity : undefined),
    toolName: kind === 'tool' ? (toolName ?? entity ?? toolNameFromSpanName(span.name)) : toolName,
    ttftSeconds: (get(F.ttftSeconds) as number | undefined) ?? (msToFirstChunk === undefined ? undefined : msToFirstChunk / 1000),
    stream: stream !== undefined ? stream === true || stream === 'true' : aiOperationId?.endsWith('.doStream') ? true : undefined,
    subModelCall: subModelCall === true || subModelCall === 'true',
    failed,
    errorType: (get(F.errorType) as string | undefined) ?? (failed ? '_OTHER' : undefined),
    energy: get(F.energyJoules) !== undefined || get(F.attributedJoules) !== undefined || hasComponent() ? readEnergy() : undefined,
    remoteEnergy: get(F.remoteJoules) === undefined ? undefined : readRemote(),
    process: processKey(span.resource),
  };
}

/** Spans without token counts (tools, most agents and others) share one empty usage. */
const NO_USAGE: TokenUsage = Object.freeze({});

function readUsage(): TokenUsage {
  const inputTokens = get(F.inputTokens) as number | undefined;
  const outputTokens = get(F.outputTokens) as number | undefined;
  const cacheReadTokens = get(F.cacheReadTokens) as number | undefined;
  const cacheCreationTokens = get(F.cacheCreationTokens) as number | undefined;
  const reasoningTokens = get(F.reasoningTokens) as number | undefined;
  const totalTokens = get(F.totalTokens) as number | undefined;
  if (inputTokens === undefined && outputTokens === undefined && cacheReadTokens === undefined && cacheCreationTokens === undefined && reasoningTokens === undefined && totalTokens === undefined) {
    return NO_USAGE;
  }
  return { inputTokens, outputTokens, cacheReadTokens, cacheCreationTokens, reasoningTokens, totalTokens };
}

function readRemote(): RemoteEnergy {
  return {
    joules: get(F.remoteJoules) as number,
    minJoules: get(F.remoteMinJoules) as number | undefined,
    maxJoules: get(F.remoteMaxJoules) as number | undefined,
    method: get(F.remoteMethod) as string | undefined,
    source: get(F.remoteSource) as string | undefined,
  };
}

function hasComponent(): boolean {
  return get(F.gpuJoules) !== undefined || get(F.cpuJoules) !== undefined || get(F.dramJoules) !== undefined || get(F.aneJoules) !== undefined;
}

function readEnergy(): SpanEnergy {
  const gpuJoules = get(F.gpuJoules) as number | undefined;
  const cpuJoules = get(F.cpuJoules) as number | undefined;
  const dramJoules = get(F.dramJoules) as number | undefined;
  const aneJoules = get(F.aneJoules) as number | undefined;
  let inclusiveJoules = get(F.energyJoules) as number | undefined;
  if (inclusiveJoules === undefined && hasComponent()) inclusiveJoules = (gpuJoules ?? 0) + (cpuJoules ?? 0) + (dramJoules ?? 0) + (aneJoules ?? 0);
  return {
    inclusiveJoules,
    attributedJoules: get(F.attributedJoules) as number | undefined,
    gpuJoules,
    cpuJoules,
    dramJoules,
    aneJoules,
    prefillJoules: get(F.prefillJoules) as number | undefined,
    decodeJoules: get(F.decodeJoules) as number | undefined,
    meanWatts: get(F.meanWatts) as number | undefined,
    peakWatts: get(F.peakWatts) as number | undefined,
    gpuUtilizationMean: get(F.gpuUtilizationMean) as number | undefined,
    gpuMemoryPeakBytes: get(F.gpuMemoryPeakBytes) as number | undefined,
    gpuTemperatureMeanCelsius: get(F.gpuTemperatureMeanCelsius) as number | undefined,
    method: get(F.energyMethod) as string | undefined,
    source: get(F.energySource) as string | undefined,
  };
}

/** `execute_tool search` → `search`; any other name as it is. */
function toolNameFromSpanName(name: string): string {
  return name.startsWith('execute_tool ') ? name.slice(13) : name;
}
