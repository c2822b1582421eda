import {
  avgCpuPowerWatts,
  avgGpuPowerWatts,
  energyPerTokenJoules,
  numTurns,
  throughputTokensPerSec,
  totalCostUsd,
  totalCpuEnergyJoules,
  totalGpuEnergyJoules,
  totalInputTokens,
  totalOutputTokens,
  totalTokens,
  totalToolCalls,
  type QueryTrace,
} from '../summary/trace.js';
import { queryTraceJson } from './query-trace-dict.js';

/** A column's `datasets` dtype (`Value(dtype)`); every column is nullable. */
export type HfDtype = 'string' | 'int64' | 'float64' | 'bool';

/** One row of the dataset: values by column name, null for Python's None. */
export type HfRow = Record<string, string | number | boolean | null>;

/**
 * The columns of the seed's `QueryTrace.to_hf_dataset` (variant A), in its order, with fixed types. The seed lets
 * `Dataset.from_list` infer them, so a column that is None in every row there comes out as `null` dtype; here
 * it is always its real type.
 */
export const HF_COLUMNS: ReadonlyArray<readonly [name: string, dtype: HfDtype]> = [
  ['query_id', 'string'],
  ['workload_type', 'string'],
  ['query_text', 'string'],
  ['response_text', 'string'],
  ['num_turns', 'int64'],
  ['total_input_tokens', 'int64'],
  ['total_output_tokens', 'int64'],
  ['total_tool_calls', 'int64'],
  ['total_wall_clock_s', 'float64'],
  ['total_gpu_energy_joules', 'float64'],
  ['total_cpu_energy_joules', 'float64'],
  ['total_tokens', 'int64'],
  ['total_cost_usd', 'float64'],
  ['avg_gpu_power_watts', 'float64'],
  ['avg_cpu_power_watts', 'float64'],
  ['throughput_tokens_per_sec', 'float64'],
  ['energy_per_token_joules', 'float64'],
  ['query_mbu_avg_pct', 'float64'],
  ['query_mbu_max_pct', 'float64'],
  ['completed', 'bool'],
  ['timed_out', 'bool'],
  ['is_resolved', 'bool'],
  ['trace_json', 'string'],
];

/** One trace as the seed's `to_hf_dataset` row; `trace_json` is `json.dumps(trace.to_dict())`. */
export function toHfRow(q: QueryTrace): HfRow {
  return {
    query_id: q.query_id,
    workload_type: q.workload_type,
    query_text: q.query_text,
    response_text: q.response_text,
    num_turns: numTurns(q),
    total_input_tokens: totalInputTokens(q),
    total_output_tokens: totalOutputTokens(q),
    total_tool_calls: totalToolCalls(q),
    total_wall_clock_s: q.total_wall_clock_s,
    total_gpu_energy_joules: totalGpuEnergyJoules(q),
    total_cpu_energy_joules: totalCpuEnergyJoules(q),
    total_tokens: totalTokens(q),
    total_cost_usd: totalCostUsd(q),
    avg_gpu_power_watts: avgGpuPowerWatts(q),
    avg_cpu_power_watts: avgCpuPowerWatts(q),
    throughput_tokens_per_sec: throughputTokensPerSec(q),
    energy_per_token_joules: energyPerTokenJoules(q),
    query_mbu_avg_pct: q.query_mbu_avg_pct,
    query_mbu_max_pct: q.query_mbu_max_pct,
    completed: q.completed,
    timed_out: q.timed_out,
    is_resolved: q.is_resolved,
    trace_json: queryTraceJson(q),
  };
}
