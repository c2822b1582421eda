import { flag, strings, text } from '../model/attribute-value.js';
import { forestUnits, type GenAiUnit } from '../model/genai-units.js';
import { queryResolved } from '../model/query-outcome.js';
import { SpanForest } from '../model/span-forest.js';
import { GEN_AI_SYSTEM } from '../model/peer-attributes.js';
import { chunkTimesMs } from '../model/stream-chunks.js';
import type { SpanRecord } from '../otlp/span-record.js';
import {
  ATTR_OPENJOULES_BATCH_ID,
  ATTR_OPENJOULES_ENERGY_DEVICES,
  ATTR_OPENJOULES_SERVING_ENGINE,
  ATTR_OPENJOULES_WARMUP,
} from '../../semconv.js';
import { gpuFromDevices } from './gpu-specs.js';
import { computeItlStats } from './itl.js';
import { computeItlGapStats, itlFromTimestamps } from './percentile.js';

/** The deprecated GenAI provider attribute older instrumentations still write (renamed gen_ai.provider.name in v1.37). */
export const ATTR_GEN_AI_SYSTEM_DEPRECATED = GEN_AI_SYSTEM;

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
  /** Where the ITL values come from: `chunks` (chunk arrival times or events), `estimate` (decode time / output tokens) or ''. */
  itl_source: '' | 'chunks' | 'estimate';
}

/** Options of {@link spansToTelemetryRecords}. */
export interface ToRecordsOptions {
  /** Batch id for calls with no `openjoules.batch.id` of their own (e.g. one per ingest run). Default ''. */
  readonly batchId?: string;
}

/**
 * The model calls among spans (any order, any number of traces) as TelemetryRecords, one per call in start order.
 * A call is a model-call unit of the analysis layer (analysis/genai-units.ts): a framework's or user's span around a
 * provider's span is one call, its fields taken from the deepest span that has them; a model run by a tool is a call
 * of its own. Energies are the call's fair share, exclusive of calls nested in it (analysis/energy-rule.ts), so the
 * records' joules add up to the calls' energy with nothing counted twice. Derived values follow the seed's
 * `InstrumentedEngine`.
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
    const forest = SpanForest.fromSpans(list);
    const resolved = queryResolved(forest);
    for (const call of forestUnits(forest).model) out.push(toRecord(forest, call, resolved, options));
  }
  return out.sort((a, b) => a.timestamp - b.timestamp);
}

function toRecord(forest: SpanForest, call: GenAiUnit, resolved: boolean | null, options: ToRecordsOptions): TelemetryRecord {
  const top = call.topSpan;
  const span = top.span;
  const a = span.attributes;
  const ancestorViews = [];
  for (let p = forest.parent[call.top]!; p >= 0; p = forest.parent[p]!) ancestorViews.push(forest.nodes[p]!);
  const ancestors = ancestorViews.map((v) => v.span);
  const streamView = call.streamMember === undefined ? undefined : forest.nodes[call.streamMember]!;
  const latency = Math.max(0, span.endMs - span.startMs) / 1000;
  const prompt = call.usage.inputTokens ?? 0;
  const completion = call.usage.outputTokens ?? 0;
  const cached = call.usage.cacheReadTokens ?? 0;

  const chunkTimes = streamView === undefined ? [] : chunkTimesMs(streamView.span);
  let ttft = call.ttftSeconds ?? null;
  if (ttft === null && chunkTimes.length > 0) ttft = Math.max(0, Math.min(...chunkTimes) - span.startMs) / 1000;
  const streaming = call.stream === true || ttft !== null || chunkTimes.length > 0;

  const energy = call.energy.joules ?? null;
  // The devices' mean power over the call when measured; else the call's joules over its duration.
  const power = top.energy?.meanWatts ?? (energy !== null && latency > 0 ? energy / latency : null);
  const throughput = latency > 0 ? completion / latency : 0;
  const prefillLatency = ttft !== null && ttft > 0 ? Math.min(ttft, latency) : null;
  const decodeLatency = prefillLatency !== null ? latency - prefillLatency : null;

  // The SDK splits at the first chunk on its energy timeline: the call's joules are split in that proportion. For
  // spans that lack the split, the seed's proportional-by-time split.
  let prefillEnergy: number | null = null;
  let decodeEnergy: number | null = null;
  const measured = streamView?.energy;
  if (energy !== null && measured?.prefillJoules !== undefined && measured.decodeJoules !== undefined) {
    const both = measured.prefillJoules + measured.decodeJoules;
    prefillEnergy = both > 0 ? energy * (measured.prefillJoules / both) : measured.prefillJoules;
    decodeEnergy = both > 0 ? energy * (measured.decodeJoules / both) : measured.decodeJoules;
  } else if (energy !== null && energy > 0 && prefillLatency !== null && latency > 0) {
    prefillEnergy = energy * (prefillLatency / latency);
    decodeEnergy = energy * (1 - prefillLatency / latency);
  }

  let itl: ReturnType<typeof computeItlGapStats> | null = null;
  let itlSource: TelemetryRecord['itl_source'] = '';
  if (chunkTimes.length >= 2) {
    // The seed's compute_itl_stats (chunk arrival times in, p50_ms … max_ms out) gives the stored percentiles and mean;
    // the stored sample std is the engine's _compute_itl_stats one over the same gaps.
    const fromTimes = computeItlStats(chunkTimes);
    itl = {
      mean_ms: fromTimes.mean_ms,
      median_ms: fromTimes.p50_ms,
      p90_ms: fromTimes.p90_ms,
      p95_ms: fromTimes.p95_ms,
      p99_ms: fromTimes.p99_ms,
      std_ms: computeItlGapStats(itlFromTimestamps(chunkTimes)).std_ms,
    };
    itlSource = 'chunks';
  }
  const meanItlEstimate = decodeLatency !== null && decodeLatency > 0 && completion > 0 ? (decodeLatency / completion) * 1000 : null;
  if (itl === null && meanItlEstimate !== null) itlSource = 'estimate';

  // The devices' state over the call: the outer span's window, else the provider span's.
  const hasGauges = (e: typeof top.energy): boolean =>
    e?.gpuUtilizationMean !== undefined || e?.gpuMemoryPeakBytes !== undefined || e?.gpuTemperatureMeanCelsius !== undefined;
  const gauges = hasGauges(top.energy) ? top.energy : streamView?.energy;
  const gpu = gpuFromDevices(strings(span.resource[ATTR_OPENJOULES_ENERGY_DEVICES]));
  return {
    timestamp: span.startMs / 1000,
    model_id: call.responseModel ?? call.requestModel ?? '',
    engine: text(a[ATTR_OPENJOULES_SERVING_ENGINE]) ?? text(span.resource[ATTR_OPENJOULES_SERVING_ENGINE]) ?? call.provider ?? '',
    agent: call.agentName ?? ancestorViews.find((v) => v.agentName !== undefined)?.agentName ?? '',
    prompt_tokens: prompt,
    prompt_tokens_evaluated: Math.max(0, prompt - cached),
    completion_tokens: completion,
    total_tokens: prompt + completion,
    latency_seconds: latency,
    ttft,
    cost_usd: call.costUsd ?? null,
    energy_joules: energy,
    power_watts: power,
    // The seed's EnergySample: mean utilization, PEAK memory (in 2^30 bytes, as it divides), mean temperature.
    gpu_utilization_pct: gauges?.gpuUtilizationMean !== undefined ? gauges.gpuUtilizationMean * 100 : null,
    gpu_memory_used_gb: gauges?.gpuMemoryPeakBytes !== undefined ? gauges.gpuMemoryPeakBytes / 2 ** 30 : null,
    gpu_temperature_c: gauges?.gpuTemperatureMeanCelsius ?? null,
    throughput_tok_per_sec: throughput,
    prefill_latency_seconds: prefillLatency,
    decode_latency_seconds: decodeLatency,
    energy_method: top.energy?.method ?? streamView?.energy?.method ?? '',
    energy_vendor: top.energy?.source ?? streamView?.energy?.source ?? '',
    batch_id:
      text(a[ATTR_OPENJOULES_BATCH_ID]) ?? ancestors.map((s) => text(s.attributes[ATTR_OPENJOULES_BATCH_ID])).find((v) => v !== undefined) ?? text(span.resource[ATTR_OPENJOULES_BATCH_ID]) ?? options.batchId ?? '',
    is_warmup: call.members.some((i) => flag(forest.nodes[i]!.span.attributes[ATTR_OPENJOULES_WARMUP]) === true),
    cpu_energy_joules: call.energy.cpuJoules ?? null,
    gpu_energy_joules: call.energy.gpuJoules ?? null,
    dram_energy_joules: call.energy.dramJoules ?? null,
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
