/**
 * The seed's trace data model (ipw `execution/trace.py`, variant A), kept field-for-field and in snake_case so a
 * QueryTrace serialises to the very JSON the seed's `to_dict()` writes and its tools read back. `null` stands for
 * Python's `None`. Derived `@property`s are plain functions, since these objects travel as JSON.
 */

/** One agent turn. Energies in joules, powers in watts, times in seconds. */
export interface TurnTrace {
  turn_index: number;
  input_tokens: number;
  output_tokens: number;
  tool_result_tokens: number;
  tools_called: string[];
  /** Seconds spent per tool name; a tool called twice in one turn adds up (the seed overwrote). */
  tool_latencies_s: Record<string, number>;
  wall_clock_s: number;
  error: string | null;
  gpu_energy_joules: number | null;
  cpu_energy_joules: number | null;
  gpu_power_avg_watts: number | null;
  cpu_power_avg_watts: number | null;
  cost_usd: number | null;
  dram_energy_joules: number | null;
  peak_watts: number | null;
  reasoning_tokens: number | null;
  cached_tokens: number | null;
  has_parallel_tools: boolean;
  shared_device_warning: boolean;
}

/** One query (one trace): its turns plus query-level measurements. */
export interface QueryTrace {
  query_id: string;
  workload_type: string;
  query_text: string;
  response_text: string;
  turns: TurnTrace[];
  total_wall_clock_s: number;
  completed: boolean;
  timed_out: boolean;
  query_gpu_energy_joules: number | null;
  query_cpu_energy_joules: number | null;
  query_gpu_power_avg_watts: number | null;
  query_cpu_power_avg_watts: number | null;
  query_mbu_avg_pct: number | null;
  query_mbu_max_pct: number | null;
  is_resolved: boolean | null;
  lm_energy_measurable: boolean;
  shared_device_warning: boolean;
  accuracy_score: number | null;
  accuracy_metadata: Record<string, unknown>;
  n_retries: number;
}

/** A TurnTrace with the seed's defaults (`from_dict`) for every field not given. */
export function makeTurnTrace(fields: Partial<TurnTrace> & { turn_index: number }): TurnTrace {
  return {
    input_tokens: 0,
    output_tokens: 0,
    tool_result_tokens: 0,
    wall_clock_s: 0,
    error: null,
    gpu_energy_joules: null,
    cpu_energy_joules: null,
    gpu_power_avg_watts: null,
    cpu_power_avg_watts: null,
    cost_usd: null,
    dram_energy_joules: null,
    peak_watts: null,
    reasoning_tokens: null,
    cached_tokens: null,
    has_parallel_tools: false,
    shared_device_warning: false,
    ...fields,
    // Collections are copied, as the seed's to_dict does, so callers never share them.
    tools_called: [...(fields.tools_called ?? [])],
    tool_latencies_s: { ...(fields.tool_latencies_s ?? {}) },
  };
}

/** A QueryTrace with the seed's defaults for every field not given. */
export function makeQueryTrace(fields: Partial<QueryTrace> & { query_id: string }): QueryTrace {
  return {
    workload_type: '',
    query_text: '',
    response_text: '',
    total_wall_clock_s: 0,
    completed: false,
    timed_out: false,
    query_gpu_energy_joules: null,
    query_cpu_energy_joules: null,
    query_gpu_power_avg_watts: null,
    query_cpu_power_avg_watts: null,
    query_mbu_avg_pct: null,
    query_mbu_max_pct: null,
    is_resolved: null,
    lm_energy_measurable: true,
    shared_device_warning: false,
    accuracy_score: null,
    n_retries: 0,
    ...fields,
    turns: (fields.turns ?? []).map((t) => makeTurnTrace(t)),
    accuracy_metadata: { ...(fields.accuracy_metadata ?? {}) },
  };
}

/**
 * Sum of floats the way Python ≥ 3.12's `sum()` does it (Neumaier compensation), so totals match the seed's to
 * the last bit on the test vectors instead of drifting with summation order.
 */
export function fsum(values: Iterable<number>): number {
  let sum = 0;
  let compensation = 0;
  for (const v of values) {
    const t = sum + v;
    compensation += Math.abs(sum) >= Math.abs(v) ? sum - t + v : v - t + sum;
    sum = t;
  }
  // CPython skips the correction when it is zero or not finite (an infinite sum makes it NaN).
  return compensation !== 0 && Number.isFinite(compensation) ? sum + compensation : sum;
}

function nonNull(values: Iterable<number | null>): number[] {
  const out: number[] = [];
  for (const v of values) if (v !== null) out.push(v);
  return out;
}

/** `num_turns`. */
export function numTurns(q: QueryTrace): number {
  return q.turns.length;
}

/** `total_input_tokens`: Σ turn input tokens. */
export function totalInputTokens(q: QueryTrace): number {
  return fsum(q.turns.map((t) => t.input_tokens));
}

/** `total_output_tokens`: Σ turn output tokens. */
export function totalOutputTokens(q: QueryTrace): number {
  return fsum(q.turns.map((t) => t.output_tokens));
}

/** `total_tokens` = input + output. */
export function totalTokens(q: QueryTrace): number {
  return totalInputTokens(q) + totalOutputTokens(q);
}

/** `tool_call_count` (alias `total_tool_calls`): Σ tools called per turn. */
export function totalToolCalls(q: QueryTrace): number {
  return q.turns.reduce((n, t) => n + t.tools_called.length, 0);
}

/**
 * `total_gpu_energy_joules`, variant A precedence: the sum of non-null per-turn values when any turn has one,
 * else the query-level value, else null (turn 10 J with query 42 J gives 10 J).
 */
export function totalGpuEnergyJoules(q: QueryTrace): number | null {
  const values = nonNull(q.turns.map((t) => t.gpu_energy_joules));
  return values.length > 0 ? fsum(values) : q.query_gpu_energy_joules;
}

/** `total_cpu_energy_joules`: same precedence as {@link totalGpuEnergyJoules}, CPU fields. */
export function totalCpuEnergyJoules(q: QueryTrace): number | null {
  const values = nonNull(q.turns.map((t) => t.cpu_energy_joules));
  return values.length > 0 ? fsum(values) : q.query_cpu_energy_joules;
}

/** `total_cost_usd`: Σ non-null turn costs, or null when no turn has one. */
export function totalCostUsd(q: QueryTrace): number | null {
  const values = nonNull(q.turns.map((t) => t.cost_usd));
  return values.length > 0 ? fsum(values) : null;
}

/** `avg_gpu_power_watts`: mean of non-null turn GPU powers, else the query-level power. */
export function avgGpuPowerWatts(q: QueryTrace): number | null {
  const values = nonNull(q.turns.map((t) => t.gpu_power_avg_watts));
  return values.length > 0 ? fsum(values) / values.length : q.query_gpu_power_avg_watts;
}

/** `avg_cpu_power_watts`: mean of non-null turn CPU powers, else the query-level power. */
export function avgCpuPowerWatts(q: QueryTrace): number | null {
  const values = nonNull(q.turns.map((t) => t.cpu_power_avg_watts));
  return values.length > 0 ? fsum(values) / values.length : q.query_cpu_power_avg_watts;
}

/** `throughput_tokens_per_sec`: output tokens per second, null unless both are > 0. */
export function throughputTokensPerSec(q: QueryTrace): number | null {
  const out = totalOutputTokens(q);
  return out > 0 && q.total_wall_clock_s > 0 ? out / q.total_wall_clock_s : null;
}

/** `energy_per_token_joules`: GPU joules per OUTPUT token, null unless both are > 0. */
export function energyPerTokenJoules(q: QueryTrace): number | null {
  const energy = totalGpuEnergyJoules(q);
  const out = totalOutputTokens(q);
  return energy !== null && energy > 0 && out > 0 ? energy / out : null;
}
