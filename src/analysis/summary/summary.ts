import type { Readable } from 'node:stream';
import { withHostShares } from '../model/host-shares.js';
import { readSpanRecords } from '../otlp/read-spans.js';
import type { ReadIssue, SpanRecord } from '../otlp/span-record.js';
import type { RemoteEnergyTotals } from '../model/remote-totals.js';
import { spansToQueries } from './query-trace.js';
import { aggStats, type AggStats } from './stats.js';
import {
  avgCpuPowerWatts,
  avgGpuPowerWatts,
  energyPerTokenJoules,
  fsum,
  numTurns,
  throughputTokensPerSec,
  totalCostUsd,
  totalGpuEnergyJoules,
  totalCpuEnergyJoules,
  totalInputTokens,
  totalOutputTokens,
  totalTokens,
  totalToolCalls,
  type QueryTrace,
} from './trace.js';

/** Benchmark-level energy, used when the per-query values are missing (the seed's `bench_energy`). */
export interface BenchEnergy {
  gpu_energy_joules?: number | null;
  cpu_energy_joules?: number | null;
  avg_gpu_power_watts?: number | null;
  avg_cpu_power_watts?: number | null;
  max_gpu_power_watts?: number | null;
  avg_mbu_pct?: number | null;
  max_mbu_pct?: number | null;
  [key: string]: unknown;
}

/** The per-metric statistics block (`statistics`), keyed as the seed keys it. */
export interface SummaryStatistics {
  wall_clock_s: AggStats;
  gpu_energy_joules: AggStats;
  cpu_energy_joules: AggStats;
  gpu_power_watts: AggStats;
  cpu_power_watts: AggStats;
  input_tokens: AggStats;
  output_tokens: AggStats;
  total_tokens: AggStats;
  throughput_tokens_per_sec: AggStats;
  energy_per_token_joules: AggStats;
  cost_usd: AggStats;
  turns: AggStats;
  tool_calls: AggStats;
  mbu_avg_pct: AggStats;
}

/** Accuracy and intelligence per joule / per watt. */
export interface SummaryEfficiency {
  accuracy: number | null;
  total_gpu_energy_joules: number | null;
  total_cpu_energy_joules: number | null;
  avg_gpu_power_watts: number | null;
  avg_cpu_power_watts: number | null;
  /** Accuracy per GPU joule. */
  ipj: number | null;
  /** Accuracy per mean GPU watt. */
  ipw: number | null;
}

/** What was trimmed before the normalized sections were computed. */
export interface OutliersRemoved {
  top_pct: 5;
  bottom_pct: 5;
  queries_before: number;
  queries_after: number;
}

/**
 * The hosted-API estimate (`energy.remote.*`) of the summarized model calls, each call once: an estimate of the
 * provider's energy, not a measurement, so it stands apart and no measured total (`totals`, `efficiency`,
 * `statistics`) includes it.
 */
export interface SummaryRemoteEnergy {
  _description: string;
  /** Model calls that carry an estimate. */
  calls: number;
  /** Σ the estimates' middles, in joules. */
  joules: number;
  /** Σ the lower bounds, in joules. */
  min_joules: number;
  /** Σ the upper bounds, in joules. */
  max_joules: number;
  /** `energy.remote.method` values, sorted (e.g. `ecologits`). */
  methods: string[];
}

/** The `_description` of {@link SummaryRemoteEnergy}. */
const REMOTE_DESCRIPTION = 'Estimated energy of hosted-API model calls on the provider side (energy.remote.*): an estimate, not a measurement; not included in any measured total';

/**
 * The seed's `export_summary_json` document, key for key; null where Python writes None. Ours added after the seed's
 * keys, only when there is something to say: `remote_energy_estimate`.
 */
export interface Summary {
  /** Unix time in seconds (float), like Python's `time.time()`. */
  generated_at: number;
  config: Record<string, unknown>;
  totals: {
    queries: number;
    completed: number;
    resolved: number;
    unresolved: number;
    turns: number;
    tool_calls: number;
    input_tokens: number;
    output_tokens: number;
    total_tokens: number;
    wall_clock_s: number;
    gpu_energy_joules: number | null;
    cpu_energy_joules: number | null;
    cost_usd: number | null;
    accuracy: number | null;
  };
  efficiency: SummaryEfficiency;
  averages: { turns_per_query: number; wall_clock_per_query_s: number; gpu_energy_per_query_joules: number | null };
  statistics: SummaryStatistics;
  normalized_statistics: (SummaryStatistics & { _description: string; _outliers_removed: OutliersRemoved }) | null;
  normalized_efficiency: (SummaryEfficiency & { _description: string; _outliers_removed: OutliersRemoved }) | null;
  bench_telemetry?: Record<string, unknown>;
  /** Only when some model call carries a hosted-API estimate. */
  remote_energy_estimate?: SummaryRemoteEnergy;
}

/** Options of {@link summarize}. */
export interface SummarizeOptions {
  /** Aggregate energy to fall back on when per-query energy is missing. */
  readonly benchEnergy?: BenchEnergy | null;
  /** Overrides `generated_at` (Unix seconds), for reproducible output. */
  readonly generatedAt?: number;
  /** The hosted-API estimates of the same calls (`spansToQueries`), shown as `remote_energy_estimate`. */
  readonly remoteEnergy?: RemoteEnergyTotals;
}

function computeStats(traces: readonly QueryTrace[]): SummaryStatistics {
  const stat = (read: (q: QueryTrace) => number | null): AggStats => aggStats(traces.map(read));
  return {
    wall_clock_s: stat((q) => q.total_wall_clock_s),
    gpu_energy_joules: stat(totalGpuEnergyJoules),
    cpu_energy_joules: stat(totalCpuEnergyJoules),
    gpu_power_watts: stat(avgGpuPowerWatts),
    cpu_power_watts: stat(avgCpuPowerWatts),
    input_tokens: stat(totalInputTokens),
    output_tokens: stat(totalOutputTokens),
    total_tokens: stat(totalTokens),
    throughput_tokens_per_sec: stat(throughputTokensPerSec),
    energy_per_token_joules: stat(energyPerTokenJoules),
    cost_usd: stat(totalCostUsd),
    turns: stat(numTurns),
    tool_calls: stat(totalToolCalls),
    mbu_avg_pct: stat((q) => q.query_mbu_avg_pct),
  };
}

/** Σ non-null query GPU totals, or null when no query has one. */
function sumGpuEnergy(traces: readonly QueryTrace[]): number | null {
  const values = traces.map(totalGpuEnergyJoules).filter((v): v is number => v !== null);
  return values.length > 0 ? fsum(values) : null;
}

/**
 * Σ over queries of their per-TURN CPU energy. The seed skips the query-level fallback here (a known quirk that
 * `statistics.cpu_energy_joules` does not share); kept so the numbers match the seed's.
 */
function sumTurnCpuEnergy(traces: readonly QueryTrace[]): number | null {
  const perQuery: number[] = [];
  for (const q of traces) {
    const values = q.turns.map((t) => t.cpu_energy_joules).filter((v): v is number => v !== null);
    if (values.length > 0) perQuery.push(fsum(values));
  }
  return perQuery.length > 0 ? fsum(perQuery) : null;
}

const positive = (v: number | null | undefined): v is number => typeof v === 'number' && v > 0;

function ratio(accuracy: number | null, denominator: number | null | undefined): number | null {
  return positive(accuracy) && positive(denominator) ? accuracy / denominator : null;
}

function computeEfficiency(traces: readonly QueryTrace[], stats: SummaryStatistics): SummaryEfficiency {
  const resolved = traces.filter((q) => q.is_resolved === true).length;
  const scored = resolved + traces.filter((q) => q.is_resolved === false).length;
  const accuracy = scored > 0 ? resolved / scored : null;
  const gpu = sumGpuEnergy(traces);
  const gpuPower = stats.gpu_power_watts.avg;
  return {
    accuracy,
    total_gpu_energy_joules: gpu,
    total_cpu_energy_joules: sumTurnCpuEnergy(traces),
    avg_gpu_power_watts: gpuPower,
    avg_cpu_power_watts: stats.cpu_power_watts.avg,
    ipj: ratio(accuracy, gpu),
    ipw: ratio(accuracy, gpuPower),
  };
}

/** Python's `a or b` for an optional number: a falsy `a` (None or 0) gives `b`. */
function or(a: unknown, b: number | null): number | null {
  return typeof a === 'number' && a !== 0 && !Number.isNaN(a) ? a : b;
}

/**
 * The seed's `export_summary_json` as a value: totals, efficiency (accuracy, ipj, ipw), per-query averages,
 * per-metric statistics, and the same recomputed on the queries left after trimming the fastest and slowest 5% by
 * wall clock (only when there are at least 4). `config` is copied in as given.
 */
export function summarize(traces: readonly QueryTrace[], config: Record<string, unknown> = {}, options: SummarizeOptions = {}): Summary {
  const n = traces.length;
  const turns = traces.reduce((sum, q) => sum + numTurns(q), 0);
  const inputTokens = fsum(traces.map(totalInputTokens));
  const outputTokens = fsum(traces.map(totalOutputTokens));
  const wall = fsum(traces.map((q) => q.total_wall_clock_s));
  let gpu = sumGpuEnergy(traces);
  let cpu = sumTurnCpuEnergy(traces);
  const costs = traces.map(totalCostUsd).filter((v): v is number => v !== null);
  let gpuPerQuery = gpu !== null && n > 0 ? gpu / n : null;

  const stats = computeStats(traces);
  let efficiency = computeEfficiency(traces, stats);
  const accuracy = efficiency.accuracy;

  let normalizedStatistics: Summary['normalized_statistics'] = null;
  let normalizedEfficiency: Summary['normalized_efficiency'] = null;
  if (n >= 4) {
    // Stable sort, like Python's sorted(): ties keep input order, so the same queries are trimmed.
    const sorted = [...traces].sort((a, b) => a.total_wall_clock_s - b.total_wall_clock_s);
    const trim = Math.max(1, Math.floor(n * 0.05));
    const trimmed = sorted.slice(trim, n - trim);
    const outliers: OutliersRemoved = { top_pct: 5, bottom_pct: 5, queries_before: n, queries_after: trimmed.length };
    const normStats = computeStats(trimmed);
    normalizedStatistics = {
      ...normStats,
      _description: 'Statistics recomputed after removing the top 5% and bottom 5% of queries by wall_clock_s',
      _outliers_removed: outliers,
    };
    normalizedEfficiency = {
      ...computeEfficiency(trimmed, normStats),
      _description: 'Efficiency recomputed on the trimmed query set',
      _outliers_removed: { ...outliers },
    };
  }

  // Benchmark-level energy fills in where per-query energy is missing, and efficiency is recomputed with it.
  const bench = options.benchEnergy ?? {};
  const hasBench = Object.keys(bench).length > 0;
  if (gpu === null && typeof bench.gpu_energy_joules === 'number') {
    gpu = bench.gpu_energy_joules;
    gpuPerQuery = n > 0 ? gpu / n : null;
  }
  if (cpu === null && typeof bench.cpu_energy_joules === 'number') cpu = bench.cpu_energy_joules;
  if (hasBench && efficiency.total_gpu_energy_joules === null && gpu !== null) {
    const gpuPower = or(bench.avg_gpu_power_watts, efficiency.avg_gpu_power_watts);
    efficiency = {
      accuracy,
      total_gpu_energy_joules: gpu,
      total_cpu_energy_joules: cpu,
      avg_gpu_power_watts: gpuPower,
      avg_cpu_power_watts: or(bench.avg_cpu_power_watts, efficiency.avg_cpu_power_watts),
      ipj: ratio(accuracy, gpu),
      ipw: ratio(accuracy, gpuPower),
    };
  }

  const summary: Summary = {
    generated_at: options.generatedAt ?? Date.now() / 1000,
    config,
    totals: {
      queries: n,
      completed: traces.filter((q) => q.completed).length,
      resolved: traces.filter((q) => q.is_resolved === true).length,
      unresolved: traces.filter((q) => q.is_resolved === false).length,
      turns,
      tool_calls: traces.reduce((sum, q) => sum + totalToolCalls(q), 0),
      input_tokens: inputTokens,
      output_tokens: outputTokens,
      total_tokens: inputTokens + outputTokens,
      wall_clock_s: wall,
      gpu_energy_joules: gpu,
      cpu_energy_joules: cpu,
      cost_usd: costs.length > 0 ? fsum(costs) : null,
      accuracy,
    },
    efficiency,
    averages: {
      turns_per_query: n > 0 ? turns / n : 0,
      wall_clock_per_query_s: n > 0 ? wall / n : 0,
      gpu_energy_per_query_joules: gpuPerQuery,
    },
    statistics: stats,
    normalized_statistics: normalizedStatistics,
    normalized_efficiency: normalizedEfficiency,
  };
  if (hasBench) {
    summary.bench_telemetry = Object.fromEntries(Object.entries(bench).filter(([, v]) => v !== null && v !== undefined));
  }
  const remote = options.remoteEnergy;
  if (remote !== undefined && remote.calls > 0) {
    summary.remote_energy_estimate = {
      _description: REMOTE_DESCRIPTION,
      calls: remote.calls,
      joules: remote.joules,
      min_joules: remote.minJoules,
      max_joules: remote.maxJoules,
      methods: [...remote.methods],
    };
  }
  return summary;
}

/** Options of {@link summarizeSpans}. */
export interface SummarizeSpansOptions extends SummarizeOptions {
  /** The `config` block of the summary; default `{ inputs }`. */
  readonly config?: Record<string, unknown>;
  /** Stop at the first bad line (throws `SpanInputError`, code OJ_BAD_SPAN_INPUT) instead of skipping it. */
  readonly strict?: boolean;
  /** Called as each bad line is found (the same issues are also returned). */
  readonly onIssue?: (issue: ReadIssue) => void;
  /** Where `-` reads from; default process.stdin. */
  readonly stdin?: Readable;
  /** One line per device whose processes could not all be placed on one counter line (host-shares.ts). */
  readonly onNote?: (line: string) => void;
}

/**
 * Reads OTLP/JSON span files (ours or the Collector's; files, directories, `-` for stdin), maps them to
 * QueryTraces and summarizes them. Bad lines are skipped and returned as issues (file:line: reason).
 */
export async function summarizeSpans(
  inputs: readonly string[],
  options: SummarizeSpansOptions = {},
): Promise<{ summary: Summary; traces: QueryTrace[]; issues: ReadIssue[] }> {
  const issues: ReadIssue[] = [];
  const spans: SpanRecord[] = [];
  const onIssue = (issue: ReadIssue): void => {
    issues.push(issue);
    options.onIssue?.(issue);
  };
  for await (const span of readSpanRecords(inputs, { onIssue, strict: options.strict, stdin: options.stdin })) spans.push(span);
  // Spans of several processes on one device share its joules (analysis/host-shares.ts).
  const { traces, remoteEnergy } = spansToQueries(withHostShares(spans, options.onNote));
  return { summary: summarize(traces, options.config ?? { inputs: [...inputs] }, { ...options, remoteEnergy }), traces, issues };
}
