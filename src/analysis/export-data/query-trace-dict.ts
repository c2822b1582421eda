import type { QueryTrace, TurnTrace } from '../summary/trace.js';
import { pythonJsonDumps } from './python-json.js';

/** The keys whose values are Python floats in the seed's dataclasses (for {@link pythonJsonDumps}). */
export const TRACE_FLOAT_KEYS: ReadonlySet<string> = new Set([
  'tool_latencies_s',
  'wall_clock_s',
  'gpu_energy_joules',
  'cpu_energy_joules',
  'gpu_power_avg_watts',
  'cpu_power_avg_watts',
  'cost_usd',
  'dram_energy_joules',
  'peak_watts',
  'total_wall_clock_s',
  'query_gpu_energy_joules',
  'query_cpu_energy_joules',
  'query_gpu_power_avg_watts',
  'query_cpu_power_avg_watts',
  'query_mbu_avg_pct',
  'query_mbu_max_pct',
  'accuracy_score',
]);

/** `TurnTrace.to_dict()` (variant A): every field under its own name, in the dataclass's order; collections copied. */
export function turnToDict(t: TurnTrace): Record<string, unknown> {
  return {
    turn_index: t.turn_index,
    input_tokens: t.input_tokens,
    output_tokens: t.output_tokens,
    tool_result_tokens: t.tool_result_tokens,
    tools_called: [...t.tools_called],
    tool_latencies_s: { ...t.tool_latencies_s },
    wall_clock_s: t.wall_clock_s,
    error: t.error,
    gpu_energy_joules: t.gpu_energy_joules,
    cpu_energy_joules: t.cpu_energy_joules,
    gpu_power_avg_watts: t.gpu_power_avg_watts,
    cpu_power_avg_watts: t.cpu_power_avg_watts,
    cost_usd: t.cost_usd,
    dram_energy_joules: t.dram_energy_joules,
    peak_watts: t.peak_watts,
    reasoning_tokens: t.reasoning_tokens,
    cached_tokens: t.cached_tokens,
    has_parallel_tools: t.has_parallel_tools,
    shared_device_warning: t.shared_device_warning,
  };
}

/** `QueryTrace.to_dict()` (variant A): the stored fields only, in the dataclass's order; no derived values. */
export function queryToDict(q: QueryTrace): Record<string, unknown> {
  return {
    query_id: q.query_id,
    workload_type: q.workload_type,
    query_text: q.query_text,
    response_text: q.response_text,
    turns: q.turns.map(turnToDict),
    total_wall_clock_s: q.total_wall_clock_s,
    completed: q.completed,
    timed_out: q.timed_out,
    query_gpu_energy_joules: q.query_gpu_energy_joules,
    query_cpu_energy_joules: q.query_cpu_energy_joules,
    query_gpu_power_avg_watts: q.query_gpu_power_avg_watts,
    query_cpu_power_avg_watts: q.query_cpu_power_avg_watts,
    query_mbu_avg_pct: q.query_mbu_avg_pct,
    query_mbu_max_pct: q.query_mbu_max_pct,
    is_resolved: q.is_resolved,
    lm_energy_measurable: q.lm_energy_measurable,
    shared_device_warning: q.shared_device_warning,
    accuracy_score: q.accuracy_score,
    accuracy_metadata: { ...q.accuracy_metadata },
    n_retries: q.n_retries,
  };
}

/** `json.dumps(trace.to_dict())`, byte for byte as Python writes it. */
export function queryTraceJson(q: QueryTrace): string {
  return pythonJsonDumps(queryToDict(q), TRACE_FLOAT_KEYS);
}
