import { computeEfficiency, modelParamsB } from './efficiency.js';
import { lookupGpuSpec } from './gpu-specs.js';
import { percentile } from './percentile.js';
import { SteadyStateDetector, type SteadyStateConfig } from './steady-state.js';
import type { StoreValue, TelemetryStore } from './store.js';

/** What the stats are grouped by. */
export const STATS_GROUPINGS = ['model', 'engine', 'agent', 'batch'] as const;
export type StatsGrouping = (typeof STATS_GROUPINGS)[number];

/** The store column each grouping reads, named as the seed names it in its results. */
export const GROUP_COLUMN: Readonly<Record<StatsGrouping, string>> = { model: 'model_id', engine: 'engine', agent: 'agent', batch: 'batch_id' };

/** Options of {@link aggregateStats}. */
export interface AggregateOptions {
  readonly by?: StatsGrouping;
  /**
   * Leave out the first N calls of each model (by start time), and every call flagged `openjoules.warmup`.
   * Undefined: leave nothing out.
   */
  readonly warmup?: number;
  /** GPU name for MFU/MBU when the spans do not say (or to override them), e.g. "NVIDIA H100 80GB HBM3". */
  readonly gpu?: string;
  /** GPUs per call with `gpu`; default 1. */
  readonly numGpus?: number;
  /** Steady-state detector settings; its warmup defaults to `warmup` when given, else the seed's 5. */
  readonly steadyState?: Partial<SteadyStateConfig>;
  /** Only calls that started at or after this time, unix seconds (the seed's `since`, on its `timestamp`). */
  readonly since?: number;
  /** Only calls that started at or before this time, unix seconds (the seed's `until`). */
  readonly until?: number;
}

/** MFU, MBU and IPJ of one group; null values carry a `reason`. */
export interface GroupEfficiency {
  readonly gpu: string | null;
  /** The GPU_SPECS key the name matched. */
  readonly gpu_spec: string | null;
  readonly num_gpus: number | null;
  readonly params_b: number | null;
  readonly tokens_per_sec: number;
  readonly mfu_pct: number | null;
  readonly mbu_pct: number | null;
  /** resolved / (resolved + unresolved) over the distinct traces of the group's calls; null when none says. */
  readonly accuracy: number | null;
  /** Accuracy per joule of the group's calls. */
  readonly ipj: number | null;
  readonly reason?: string;
}

/** The steady-state split of one group's calls in time order (the seed's SteadyStateResult, without the lists). */
export interface GroupSteadyState {
  readonly steady_state_reached: boolean;
  /** 1-based call at which it was reached; null when not reached. */
  readonly reached_at_call: number | null;
  readonly total_samples: number;
  readonly warmup_samples: number;
  readonly steady_state_samples: number;
  readonly steady_avg_throughput_tok_per_sec: number | null;
  readonly steady_avg_energy_joules: number | null;
}

/**
 * One group's statistics: the seed's ModelStats/EngineStats fields (same names; an `avg_*` is the plain mean of
 * per-call values, as the seed's SQL `AVG`), plus percentiles, ITL coverage, steady state and efficiency. Where the
 * seed coerces "no value" to 0, this keeps null.
 */
export interface GroupStats {
  /** The group's value (model id, engine, agent or batch id); '' for calls that have none. */
  readonly key: string;
  readonly call_count: number;
  readonly total_tokens: number;
  readonly prompt_tokens: number;
  readonly prompt_tokens_evaluated: number;
  readonly completion_tokens: number;
  readonly total_latency: number;
  readonly avg_latency: number;
  readonly total_cost: number | null;
  readonly avg_ttft: number | null;
  readonly total_energy_joules: number | null;
  readonly total_gpu_energy_joules: number | null;
  readonly total_cpu_energy_joules: number | null;
  readonly avg_gpu_utilization_pct: number | null;
  readonly avg_throughput_tok_per_sec: number;
  readonly avg_tokens_per_joule: number | null;
  readonly avg_energy_per_output_token_joules: number | null;
  readonly avg_throughput_per_watt: number | null;
  readonly total_prefill_energy_joules: number | null;
  readonly total_decode_energy_joules: number | null;
  readonly avg_mean_itl_ms: number | null;
  readonly avg_median_itl_ms: number | null;
  readonly avg_p90_itl_ms: number | null;
  readonly avg_p95_itl_ms: number | null;
  readonly avg_p99_itl_ms: number | null;
  /** Calls with energy; calls with ITL from chunk times; calls whose mean ITL is decode time / output tokens. */
  readonly calls_with_energy: number;
  readonly itl_chunk_calls: number;
  readonly itl_estimate_calls: number;
  readonly latency_p50: number;
  readonly latency_p90: number;
  readonly latency_p95: number;
  readonly latency_p99: number;
  readonly ttft_p50: number | null;
  readonly ttft_p90: number | null;
  readonly ttft_p95: number | null;
  readonly ttft_p99: number | null;
  /** Only for batches: the seed's per_batch_stats energy per (prompt + completion) token. */
  readonly energy_per_token_joules?: number | null;
  readonly steady_state: GroupSteadyState;
  readonly efficiency: GroupEfficiency;
}

/** The seed's AggregatedStats over the per-model rows: totals, and call-count-weighted means of per-model means. */
export interface StatsSummary {
  readonly total_calls: number;
  readonly total_tokens: number;
  readonly total_cost: number;
  readonly total_latency: number;
  readonly total_energy_joules: number;
  readonly total_prefill_energy_joules: number;
  readonly total_decode_energy_joules: number;
  readonly avg_throughput_tok_per_sec: number | null;
  readonly avg_gpu_utilization_pct: number | null;
  readonly avg_energy_per_output_token_joules: number | null;
  readonly avg_throughput_per_watt: number | null;
  readonly avg_mean_itl_ms: number | null;
  readonly avg_median_itl_ms: number | null;
  readonly avg_p95_itl_ms: number | null;
}

/** What {@link aggregateStats} returns. */
export interface StatsReport {
  readonly by: StatsGrouping;
  readonly warmup: number | null;
  /** The time filter applied, unix seconds; null when open. */
  readonly since: number | null;
  readonly until: number | null;
  /** Calls left out as warmup. */
  readonly warmup_excluded: number;
  readonly groups: GroupStats[];
  readonly summary: StatsSummary;
}

const SUMS = `COUNT(*) AS call_count, SUM(total_tokens) AS total_tokens, SUM(prompt_tokens) AS prompt_tokens,
  SUM(prompt_tokens_evaluated) AS prompt_tokens_evaluated, SUM(completion_tokens) AS completion_tokens,
  SUM(latency_seconds) AS total_latency, AVG(latency_seconds) AS avg_latency, SUM(cost_usd) AS total_cost,
  AVG(ttft) AS avg_ttft, SUM(energy_joules) AS total_energy_joules, SUM(gpu_energy_joules) AS total_gpu_energy_joules,
  SUM(cpu_energy_joules) AS total_cpu_energy_joules, AVG(gpu_utilization_pct) AS avg_gpu_utilization_pct,
  AVG(throughput_tok_per_sec) AS avg_throughput_tok_per_sec, AVG(tokens_per_joule) AS avg_tokens_per_joule,
  AVG(energy_per_output_token_joules) AS avg_energy_per_output_token_joules, AVG(throughput_per_watt) AS avg_throughput_per_watt,
  SUM(prefill_energy_joules) AS total_prefill_energy_joules, SUM(decode_energy_joules) AS total_decode_energy_joules,
  AVG(mean_itl_ms) AS avg_mean_itl_ms, AVG(median_itl_ms) AS avg_median_itl_ms, AVG(p90_itl_ms) AS avg_p90_itl_ms,
  AVG(p95_itl_ms) AS avg_p95_itl_ms, AVG(p99_itl_ms) AS avg_p99_itl_ms, COUNT(energy_joules) AS calls_with_energy,
  SUM(itl_source = 'chunks') AS itl_chunk_calls, SUM(itl_source = 'estimate') AS itl_estimate_calls`;

/**
 * The calls in the time filter, numbered per model in start order for the warmup cut: the first calls of a window
 * are its warmup, whatever ran before it. Parameters: since, until (unix s; ±Infinity when open).
 */
const BASE = `WITH base AS (SELECT *, ROW_NUMBER() OVER (PARTITION BY model_id ORDER BY timestamp, id) AS call_seq
  FROM telemetry WHERE timestamp >= ? AND timestamp <= ?)`;

interface CallRow {
  key: string;
  model_id: string;
  latency: number;
  ttft: number | null;
  throughput: number;
  energy: number | null;
  trace_id: string;
  resolved: number | null;
  gpu_name: string | null;
  num_gpus: number | null;
  included: boolean;
}

/**
 * Statistics of the stored calls grouped by model, engine, agent or batch (the seed's `per_model_stats`,
 * `per_engine_stats`, `per_batch_stats` and `summary`), with warmup exclusion, steady-state detection and MFU, MBU
 * and IPJ. Groups are ordered by call count, most first; batches leave out calls with no batch id, as the seed does.
 */
export function aggregateStats(store: TelemetryStore, options: AggregateOptions = {}): StatsReport {
  const by = options.by ?? 'model';
  const column = GROUP_COLUMN[by];
  const warmup = options.warmup;
  const keep = warmup === undefined ? '1' : `call_seq > ${Math.max(0, Math.floor(warmup))} AND is_warmup = 0`;
  const batchOnly = by === 'batch' ? `AND batch_id != ''` : '';
  // sql.js binds JS numbers as REAL; ±1e308 stands for an open end.
  const range = [options.since ?? -1e308, options.until ?? 1e308];

  const calls: CallRow[] = store
    .query(
      `${BASE} SELECT ${column} AS key, model_id, latency_seconds, ttft, throughput_tok_per_sec, energy_joules, trace_id,
        query_resolved, gpu_name, num_gpus, (${keep}) AS included
       FROM base WHERE 1 ${batchOnly} ORDER BY timestamp, id`,
      range,
    )
    .map((r) => ({
      key: String(r.key ?? ''),
      model_id: String(r.model_id ?? ''),
      latency: Number(r.latency_seconds ?? 0),
      ttft: numOrNull(r.ttft),
      throughput: Number(r.throughput_tok_per_sec ?? 0),
      energy: numOrNull(r.energy_joules),
      trace_id: String(r.trace_id ?? ''),
      resolved: numOrNull(r.query_resolved),
      gpu_name: r.gpu_name === null || r.gpu_name === undefined ? null : String(r.gpu_name),
      num_gpus: numOrNull(r.num_gpus),
      included: Number(r.included) === 1,
    }));
  const callsByKey = groupBy(calls, (c) => c.key);

  const rows = store.query(`${BASE} SELECT ${column} AS key, ${SUMS} FROM base WHERE ${keep} ${batchOnly} GROUP BY ${column} ORDER BY call_count DESC, key`, range);
  const steadyConfig: Partial<SteadyStateConfig> = { ...(warmup !== undefined ? { warmupSamples: warmup } : {}), ...options.steadyState };
  const groups = rows.map((row) => {
    const key = String(row.key ?? '');
    const all = callsByKey.get(key) ?? [];
    const included = all.filter((c) => c.included);
    const stats = sqlRow(row, key);
    const latencies = included.map((c) => c.latency);
    const ttfts = included.map((c) => c.ttft).filter((v): v is number => v !== null);
    const group: GroupStats = {
      ...stats,
      latency_p50: percentile(latencies, 0.5),
      latency_p90: percentile(latencies, 0.9),
      latency_p95: percentile(latencies, 0.95),
      latency_p99: percentile(latencies, 0.99),
      ttft_p50: ttfts.length > 0 ? percentile(ttfts, 0.5) : null,
      ttft_p90: ttfts.length > 0 ? percentile(ttfts, 0.9) : null,
      ttft_p95: ttfts.length > 0 ? percentile(ttfts, 0.95) : null,
      ttft_p99: ttfts.length > 0 ? percentile(ttfts, 0.99) : null,
      ...(by === 'batch' ? { energy_per_token_joules: stats.total_energy_joules !== null && stats.total_tokens > 0 ? stats.total_energy_joules / stats.total_tokens : null } : {}),
      steady_state: steadyState(all, steadyConfig),
      efficiency: efficiency(included, stats, options),
    };
    return group;
  });

  const perModel =
    by === 'model'
      ? groups
      : store
          .query(`${BASE} SELECT model_id AS key, ${SUMS} FROM base WHERE ${keep} GROUP BY model_id ORDER BY call_count DESC, key`, range)
          .map((r) => sqlRow(r, String(r.key ?? '')));
  return {
    by,
    warmup: warmup ?? null,
    since: options.since ?? null,
    until: options.until ?? null,
    warmup_excluded: calls.filter((c) => !c.included).length,
    groups,
    summary: summarize(perModel),
  };
}

type SqlStats = Omit<GroupStats, 'latency_p50' | 'latency_p90' | 'latency_p95' | 'latency_p99' | 'ttft_p50' | 'ttft_p90' | 'ttft_p95' | 'ttft_p99' | 'steady_state' | 'efficiency'>;

function sqlRow(row: Record<string, StoreValue>, key: string): SqlStats {
  const n = (name: string): number => Number(row[name] ?? 0);
  const o = (name: string): number | null => numOrNull(row[name]);
  return {
    key,
    call_count: n('call_count'),
    total_tokens: n('total_tokens'),
    prompt_tokens: n('prompt_tokens'),
    prompt_tokens_evaluated: n('prompt_tokens_evaluated'),
    completion_tokens: n('completion_tokens'),
    total_latency: n('total_latency'),
    avg_latency: n('avg_latency'),
    total_cost: o('total_cost'),
    avg_ttft: o('avg_ttft'),
    total_energy_joules: o('total_energy_joules'),
    total_gpu_energy_joules: o('total_gpu_energy_joules'),
    total_cpu_energy_joules: o('total_cpu_energy_joules'),
    avg_gpu_utilization_pct: o('avg_gpu_utilization_pct'),
    avg_throughput_tok_per_sec: n('avg_throughput_tok_per_sec'),
    avg_tokens_per_joule: o('avg_tokens_per_joule'),
    avg_energy_per_output_token_joules: o('avg_energy_per_output_token_joules'),
    avg_throughput_per_watt: o('avg_throughput_per_watt'),
    total_prefill_energy_joules: o('total_prefill_energy_joules'),
    total_decode_energy_joules: o('total_decode_energy_joules'),
    avg_mean_itl_ms: o('avg_mean_itl_ms'),
    avg_median_itl_ms: o('avg_median_itl_ms'),
    avg_p90_itl_ms: o('avg_p90_itl_ms'),
    avg_p95_itl_ms: o('avg_p95_itl_ms'),
    avg_p99_itl_ms: o('avg_p99_itl_ms'),
    calls_with_energy: n('calls_with_energy'),
    itl_chunk_calls: n('itl_chunk_calls'),
    itl_estimate_calls: n('itl_estimate_calls'),
  };
}

function steadyState(calls: readonly CallRow[], config: Partial<SteadyStateConfig>): GroupSteadyState {
  const detector = new SteadyStateDetector(config);
  let reachedAt: number | null = null;
  calls.forEach((c, i) => {
    if (detector.record(c.throughput, c.energy ?? 0) && reachedAt === null) reachedAt = i + 1;
  });
  const r = detector.result();
  const steady = calls.slice(r.warmup_samples);
  const energies = steady.map((c) => c.energy).filter((v): v is number => v !== null);
  return {
    steady_state_reached: r.steady_state_reached,
    reached_at_call: reachedAt,
    total_samples: r.total_samples,
    warmup_samples: r.warmup_samples,
    steady_state_samples: r.steady_state_samples,
    steady_avg_throughput_tok_per_sec: mean(r.steady_throughputs),
    steady_avg_energy_joules: mean(energies),
  };
}

function efficiency(calls: readonly CallRow[], stats: SqlStats, options: AggregateOptions): GroupEfficiency {
  const traces = new Map<string, number>();
  for (const c of calls) if (c.resolved !== null) traces.set(c.trace_id, c.resolved);
  const resolved = [...traces.values()].filter((v) => v === 1).length;
  const accuracy = traces.size > 0 ? resolved / traces.size : null;
  const energy = stats.total_energy_joules;
  const ipj = accuracy !== null && energy !== null && energy > 0 ? accuracy / energy : null;
  const tokensPerSec = stats.avg_throughput_tok_per_sec;

  const gpu = options.gpu ?? mostCommon(calls.map((c) => c.gpu_name).filter((g): g is string => g !== null));
  const numGpus = options.gpu !== undefined ? (options.numGpus ?? 1) : Math.max(1, ...calls.map((c) => c.num_gpus ?? 1));
  const models = new Set(calls.map((c) => c.model_id));
  const model = models.size === 1 ? [...models][0]! : undefined;
  const paramsB = model !== undefined ? (modelParamsB(model) ?? null) : null;
  const found = gpu !== undefined ? lookupGpuSpec(gpu) : undefined;
  const base = { gpu: gpu ?? null, gpu_spec: found?.key ?? null, num_gpus: gpu !== undefined ? numGpus : null, params_b: paramsB, tokens_per_sec: tokensPerSec, accuracy, ipj };
  let reason: string | undefined;
  if (gpu === undefined) reason = 'no GPU named in openjoules.energy.devices; pass --gpu';
  else if (!found) reason = `unknown GPU "${gpu}"`;
  else if (model === undefined) reason = 'the group holds several models';
  else if (paramsB === null) reason = `parameter count of "${model}" unknown`;
  if (reason !== undefined || !found || paramsB === null) return { ...base, mfu_pct: null, mbu_pct: null, reason };
  const m = computeEfficiency({ paramCountB: paramsB, gpuPeakTflops: found.spec.tflops_fp16, gpuPeakBandwidthGbS: found.spec.bandwidth_gb_s, tokensPerSec, numGpus });
  return { ...base, mfu_pct: m.mfu_pct, mbu_pct: m.mbu_pct };
}

/** The seed's `summary()`: totals over per-model rows; averages weighted by call count over the models that have them. */
function summarize(perModel: readonly SqlStats[]): StatsSummary {
  const total = (pick: (m: SqlStats) => number | null): number => perModel.reduce((s, m) => s + (pick(m) ?? 0), 0);
  const weighted = (pick: (m: SqlStats) => number | null): number | null => {
    let sum = 0;
    let calls = 0;
    for (const m of perModel) {
      const v = pick(m);
      if (v === null) continue;
      sum += v * m.call_count;
      calls += m.call_count;
    }
    return calls > 0 ? sum / calls : null;
  };
  return {
    total_calls: total((m) => m.call_count),
    total_tokens: total((m) => m.total_tokens),
    total_cost: total((m) => m.total_cost),
    total_latency: total((m) => m.total_latency),
    total_energy_joules: total((m) => m.total_energy_joules),
    total_prefill_energy_joules: total((m) => m.total_prefill_energy_joules),
    total_decode_energy_joules: total((m) => m.total_decode_energy_joules),
    avg_throughput_tok_per_sec: weighted((m) => m.avg_throughput_tok_per_sec),
    avg_gpu_utilization_pct: weighted((m) => m.avg_gpu_utilization_pct),
    avg_energy_per_output_token_joules: weighted((m) => m.avg_energy_per_output_token_joules),
    avg_throughput_per_watt: weighted((m) => m.avg_throughput_per_watt),
    avg_mean_itl_ms: weighted((m) => m.avg_mean_itl_ms),
    avg_median_itl_ms: weighted((m) => m.avg_median_itl_ms),
    avg_p95_itl_ms: weighted((m) => m.avg_p95_itl_ms),
  };
}

function numOrNull(v: StoreValue | undefined): number | null {
  return v === null || v === undefined ? null : Number(v);
}

function mean(values: readonly number[]): number | null {
  return values.length > 0 ? values.reduce((s, v) => s + v, 0) / values.length : null;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

function mostCommon(values: readonly string[]): string | undefined {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: string | undefined;
  let bestCount = 0;
  for (const [v, n] of counts) if (n > bestCount) [best, bestCount] = [v, n];
  return best;
}
