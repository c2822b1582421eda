import type { AttrValue, SpanRecord } from '../otlp/span-record.js';
import {
  ATTR_ENERGY_CPU_JOULES,
  ATTR_ENERGY_DECODE_JOULES,
  ATTR_ENERGY_DRAM_JOULES,
  ATTR_ENERGY_GPU_JOULES,
  ATTR_ENERGY_JOULES,
  ATTR_ENERGY_MEAN_WATTS,
  ATTR_ENERGY_METHOD,
  ATTR_ENERGY_PREFILL_JOULES,
  ATTR_ENERGY_SOURCE,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_REQUEST_STREAM,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_OPENJOULES_COST_USD,
  ATTR_OPENJOULES_ENERGY_DEVICES,
  ATTR_OPENJOULES_QUERY_RESOLVED,
  ATTR_OPENJOULES_BATCH_ID,
  ATTR_OPENJOULES_SERVING_ENGINE,
  ATTR_OPENJOULES_WARMUP,
} from '../semconv.js';
import { gpuFromDevices } from './gpu-specs.js';
import { computeItlGapStats, itlFromTimestamps } from './percentile.js';

/** The deprecated GenAI provider attribute older instrumentations still write (renamed gen_ai.provider.name in v1.37). */
export const ATTR_GEN_AI_SYSTEM_DEPRECATED = 'gen_ai.system';

/** The seed's `TOKEN_COUNTING_VERSION`. */
export const TOKEN_COUNTING_VERSION = 2;

/**
 * One LLM call, in the seed's `TelemetryRecord` shape (OpenJarvis `core/types.py`), snake_case as its SQLite
 * columns. Times in seconds (ITL in ms), energies in J, powers in W. Where the seed writes 0.0 for "not measured",
 * this writes null, so averages are taken over the calls that have the value instead of being dragged to 0.
 */
export interface TelemetryRecord {
  /** Unix seconds at the start of the call. */
  timestamp: number;
  model_id: string;
  engine: string;
  agent: string;
  prompt_tokens: number;
  /** Prompt tokens the engine evaluated: prompt minus cache hits. */
  prompt_tokens_evaluated: number;
  completion_tokens: number;
  total_tokens: number;
  latency_seconds: number;
  /** Time to first chunk, s; null when the call was not streamed or did not say. */
  ttft: number | null;
  cost_usd: number | null;
  energy_joules: number | null;
  power_watts: number | null;
  gpu_utilization_pct: number | null;
  gpu_memory_used_gb: number | null;
  gpu_temperature_c: number | null;
  throughput_tok_per_sec: number;
  prefill_latency_seconds: number | null;
  decode_latency_seconds: number | null;
  energy_method: string;
  energy_vendor: string;
  batch_id: string;
  is_warmup: boolean;
  cpu_energy_joules: number | null;
  gpu_energy_joules: number | null;
  dram_energy_joules: number | null;
  tokens_per_joule: number | null;
  energy_per_output_token_joules: number | null;
  throughput_per_watt: number | null;
  prefill_energy_joules: number | null;
  decode_energy_joules: number | null;
  mean_itl_ms: number | null;
  median_itl_ms: number | null;
  p90_itl_ms: number | null;
  p95_itl_ms: number | null;
  p99_itl_ms: number | null;
  std_itl_ms: number | null;
  is_streaming: boolean;
  token_counting_version: number | null;
  mining_session_id: string | null;
  metadata: Record<string, unknown>;
  // Not in the seed: the span's identity (the store's idempotency key) and what the stats need.
  trace_id: string;
  span_id: string;
  /** `openjoules.query.resolved` of the call's trace: 1, 0, or null when unknown. */
  query_resolved: boolean | null;
  /** The first known GPU in the resource's `openjoules.energy.devices`, as the driver names it. */
  gpu_name: string | null;
  /** How many devices of that name were listed. */
  num_gpus: number | null;
  /** Where the ITL values come from: `chunks` (chunk events), `estimate` (decode time / output tokens) or ''. */
  itl_source: '' | 'chunks' | 'estimate';
}

/** Options of {@link spansToTelemetryRecords}. */
export interface ToRecordsOptions {
  /** Batch id for calls with no `openjoules.batch.id` of their own (e.g. one per ingest run). Default ''. */
  readonly batchId?: string;
}

const LLM_OPERATIONS = new Set(['chat', 'text_completion', 'generate_content']);

/** A span event that marks one streamed chunk: its name ends in "chunk" (`gen_ai.content.chunk`, `ai.stream.chunk`). */
const CHUNK_EVENT = /chunk$/i;

/**
 * The LLM calls among spans (any order, any number of traces) as TelemetryRecords, one per outermost LLM span
 * (`gen_ai.operation.name` chat / text_completion / generate_content with no LLM span above it, so a framework span
 * wrapping a provider span counts once), in start order. Derived values follow the seed's `InstrumentedEngine`.
 */
export function spansToTelemetryRecords(spans: Iterable<SpanRecord>, options: ToRecordsOptions = {}): TelemetryRecord[] {
  const byTrace = new Map<string, SpanRecord[]>();
  for (const span of spans) {
    const list = byTrace.get(span.traceId);
    if (list) list.push(span);
    else byTrace.set(span.traceId, [span]);
  }
  const out: TelemetryRecord[] = [];
  for (const list of byTrace.values()) {
    const byId = new Map(list.map((s) => [s.spanId, s] as const));
    const resolved = traceResolved(list, byId);
    for (const span of list) {
      if (!isLlm(span)) continue;
      const ancestors = ancestorsOf(span, byId);
      if (ancestors.some(isLlm)) continue;
      out.push(toRecord(span, ancestors, resolved, options));
    }
  }
  return out.sort((a, b) => a.timestamp - b.timestamp);
}

function toRecord(span: SpanRecord, ancestors: SpanRecord[], resolved: boolean | null, options: ToRecordsOptions): TelemetryRecord {
  const a = span.attributes;
  const latency = Math.max(0, span.endMs - span.startMs) / 1000;
  const prompt = num(a, ATTR_GEN_AI_USAGE_INPUT_TOKENS) ?? 0;
  const completion = num(a, ATTR_GEN_AI_USAGE_OUTPUT_TOKENS) ?? 0;
  const cached = num(a, ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS) ?? 0;

  const chunkTimes = span.events.filter((e) => CHUNK_EVENT.test(e.name)).map((e) => e.timeMs);
  let ttft = num(a, ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK);
  if (ttft === null && chunkTimes.length > 0) ttft = Math.max(0, Math.min(...chunkTimes) - span.startMs) / 1000;
  const streaming = bool(a, ATTR_GEN_AI_REQUEST_STREAM) === true || ttft !== null || chunkTimes.length > 0;

  const energy = num(a, ATTR_ENERGY_JOULES);
  const power = num(a, ATTR_ENERGY_MEAN_WATTS) ?? (energy !== null && latency > 0 ? energy / latency : null);
  const throughput = latency > 0 ? completion / latency : 0;
  const prefillLatency = ttft !== null && ttft > 0 ? Math.min(ttft, latency) : null;
  const decodeLatency = prefillLatency !== null ? latency - prefillLatency : null;

  // The SDK splits at the first chunk on its energy timeline; for spans that lack the split, the seed's
  // proportional-by-time split.
  let prefillEnergy = num(a, ATTR_ENERGY_PREFILL_JOULES);
  let decodeEnergy = num(a, ATTR_ENERGY_DECODE_JOULES);
  if (prefillEnergy === null && decodeEnergy === null && energy !== null && energy > 0 && prefillLatency !== null && latency > 0) {
    prefillEnergy = energy * (prefillLatency / latency);
    decodeEnergy = energy * (1 - prefillLatency / latency);
  }

  let itl: ReturnType<typeof computeItlGapStats> | null = null;
  let itlSource: TelemetryRecord['itl_source'] = '';
  if (chunkTimes.length >= 2) {
    itl = computeItlGapStats(itlFromTimestamps(chunkTimes));
    itlSource = 'chunks';
  }
  const meanItlEstimate = decodeLatency !== null && decodeLatency > 0 && completion > 0 ? (decodeLatency / completion) * 1000 : null;
  if (itl === null && meanItlEstimate !== null) itlSource = 'estimate';

  const gpu = gpuFromDevices(strList(span.resource, ATTR_OPENJOULES_ENERGY_DEVICES));
  return {
    timestamp: span.startMs / 1000,
    model_id: str(a, ATTR_GEN_AI_RESPONSE_MODEL) ?? str(a, ATTR_GEN_AI_REQUEST_MODEL) ?? '',
    engine:
      str(a, ATTR_OPENJOULES_SERVING_ENGINE) ??
      str(span.resource, ATTR_OPENJOULES_SERVING_ENGINE) ??
      str(a, ATTR_GEN_AI_PROVIDER_NAME) ??
      str(a, ATTR_GEN_AI_SYSTEM_DEPRECATED) ??
      '',
    agent: str(a, ATTR_GEN_AI_AGENT_NAME) ?? firstOf(ancestors, (s) => str(s.attributes, ATTR_GEN_AI_AGENT_NAME)) ?? '',
    prompt_tokens: prompt,
    prompt_tokens_evaluated: Math.max(0, prompt - cached),
    completion_tokens: completion,
    total_tokens: prompt + completion,
    latency_seconds: latency,
    ttft,
    cost_usd: num(a, ATTR_OPENJOULES_COST_USD),
    energy_joules: energy,
    power_watts: power,
    gpu_utilization_pct: null,
    gpu_memory_used_gb: null,
    gpu_temperature_c: null,
    throughput_tok_per_sec: throughput,
    prefill_latency_seconds: prefillLatency,
    decode_latency_seconds: decodeLatency,
    energy_method: str(a, ATTR_ENERGY_METHOD) ?? '',
    energy_vendor: str(a, ATTR_ENERGY_SOURCE) ?? '',
    batch_id:
      str(a, ATTR_OPENJOULES_BATCH_ID) ?? firstOf(ancestors, (s) => str(s.attributes, ATTR_OPENJOULES_BATCH_ID)) ?? str(span.resource, ATTR_OPENJOULES_BATCH_ID) ?? options.batchId ?? '',
    is_warmup: bool(a, ATTR_OPENJOULES_WARMUP) === true,
    cpu_energy_joules: num(a, ATTR_ENERGY_CPU_JOULES),
    gpu_energy_joules: num(a, ATTR_ENERGY_GPU_JOULES),
    dram_energy_joules: num(a, ATTR_ENERGY_DRAM_JOULES),
    tokens_per_joule: energy !== null && energy > 0 && completion > 0 ? completion / energy : null,
    energy_per_output_token_joules: energy !== null && completion > 0 ? energy / completion : null,
    throughput_per_watt: power !== null && power > 0 ? throughput / power : null,
    prefill_energy_joules: prefillEnergy,
    decode_energy_joules: decodeEnergy,
    mean_itl_ms: itl?.mean_ms ?? meanItlEstimate,
    median_itl_ms: itl?.median_ms ?? null,
    p90_itl_ms: itl?.p90_ms ?? null,
    p95_itl_ms: itl?.p95_ms ?? null,
    p99_itl_ms: itl?.p99_ms ?? null,
    std_itl_ms: itl?.std_ms ?? null,
    is_streaming: streaming,
    token_counting_version: TOKEN_COUNTING_VERSION,
    mining_session_id: null,
    metadata: { span_name: span.name, ...(span.scopeName !== undefined ? { scope: span.scopeName } : {}) },
    trace_id: span.traceId,
    span_id: span.spanId,
    query_resolved: resolved,
    gpu_name: gpu?.name ?? null,
    num_gpus: gpu?.count ?? null,
    itl_source: itlSource,
  };
}

/** The trace's `openjoules.query.resolved`: the root's, else the latest span that has one (as QueryTrace does). */
function traceResolved(list: SpanRecord[], byId: ReadonlyMap<string, SpanRecord>): boolean | null {
  const root = list.find((s) => s.parentSpanId === undefined || !byId.has(s.parentSpanId));
  const own = root ? bool(root.attributes, ATTR_OPENJOULES_QUERY_RESOLVED) : null;
  if (own !== null) return own;
  const latest = [...list].sort((x, y) => y.startMs - x.startMs);
  return firstOf(latest, (s) => bool(s.attributes, ATTR_OPENJOULES_QUERY_RESOLVED));
}

/** Parent first, up to the root; stops on a cycle. */
function ancestorsOf(span: SpanRecord, byId: ReadonlyMap<string, SpanRecord>): SpanRecord[] {
  const out: SpanRecord[] = [];
  const seen = new Set<string>([span.spanId]);
  let parentId = span.parentSpanId;
  while (parentId !== undefined && !seen.has(parentId)) {
    const parent = byId.get(parentId);
    if (!parent) break;
    out.push(parent);
    seen.add(parentId);
    parentId = parent.parentSpanId;
  }
  return out;
}

function firstOf<T>(spans: readonly SpanRecord[], read: (s: SpanRecord) => T | null): T | null {
  for (const s of spans) {
    const v = read(s);
    if (v !== null) return v;
  }
  return null;
}

const isLlm = (s: SpanRecord): boolean => LLM_OPERATIONS.has(str(s.attributes, ATTR_GEN_AI_OPERATION_NAME) ?? '');

function num(attrs: Readonly<Record<string, AttrValue>>, key: string): number | null {
  const v = attrs[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function str(attrs: Readonly<Record<string, AttrValue>>, key: string): string | null {
  const v = attrs[key];
  return typeof v === 'string' && v !== '' ? v : null;
}

function bool(attrs: Readonly<Record<string, AttrValue>>, key: string): boolean | null {
  const v = attrs[key];
  if (typeof v === 'boolean') return v;
  return v === 'true' ? true : v === 'false' ? false : null;
}

function strList(attrs: Readonly<Record<string, AttrValue>>, key: string): string[] {
  const v = attrs[key];
  if (typeof v === 'string') return [v];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}
