/**
 * The columns of one KPI row, in output order. The first columns are the seed's (ml-intern
 * `scripts/build_kpis.py`), all of them, with its names and order, so a seed CSV's header is a prefix of ours and rows
 * from both can be unioned; its job and call-to-action columns are fed by `openjoules.job.*` and
 * `openjoules.cta.click` span events (event-counters.ts). Ours follow, each name carrying its unit; a new column goes
 * last. Measured energy (`energy_*joules`) and the hosted-API estimate (`energy_remote_*`) are separate columns.
 */

/** How a column is typed in every format: `int` is an integer count, `float` a double, `string` text. */
export type KpiColumnType = 'string' | 'int' | 'float';

/** One output column: its name, type, and whether it may be empty (null). */
export interface KpiColumn {
  readonly name: keyof KpiRow;
  readonly type: KpiColumnType;
  /** True only for columns that are empty when an input is not given (gCO2e without a grid intensity). */
  readonly nullable?: boolean;
}

/** One rollup row: a UTC hour (`YYYY-MM-DDTHH`) or day (`YYYY-MM-DD`) of spans. */
export interface KpiRow {
  /** `YYYY-MM-DDTHH` for an hour, `YYYY-MM-DD` for a day; always the first column. */
  bucket: string;
  sessions: number;
  users: number;
  turns: number;
  llm_calls: number;
  tokens_prompt: number;
  tokens_completion: number;
  tokens_cache_read: number;
  tokens_cache_creation: number;
  cost_usd: number;
  cache_hit_ratio: number;
  tool_success_rate: number;
  failure_rate: number;
  regenerate_rate: number;
  time_to_first_action_s_p50: number;
  time_to_first_action_s_p95: number;
  thumbs_up: number;
  thumbs_down: number;
  /** `openjoules.job.submit` events. */
  hf_jobs_submitted: number;
  /** `openjoules.job.complete` events whose status is completed, succeeded or success. */
  hf_jobs_succeeded: number;
  /** `openjoules.job.blocked` events. */
  hf_jobs_blocked: number;
  /** `openjoules.cta.click` events. */
  pro_cta_clicks: number;
  /** `{flavour: GPU-hours}` of finished jobs, as Python's `json.dumps(..., sort_keys=True)` writes it. */
  gpu_hours_by_flavor_json: string;
  /** `{source: clicks}` of call-to-action clicks, as `json.dumps(..., sort_keys=True)` writes it. */
  pro_cta_by_source_json: string;
  /** Every span that ended in the bucket (ours from here on). */
  spans: number;
  /** execute_tool spans, the denominator of tool_success_rate. */
  tool_calls: number;
  energy_joules: number;
  energy_gpu_joules: number;
  energy_cpu_joules: number;
  joules_per_turn: number;
  output_tokens_per_joule: number;
  /** The grid intensity used for co2e_g, in gCO2e/kWh; null when none was given. */
  grid_intensity_g_per_kwh: number | null;
  /** energy_joules at grid_intensity_g_per_kwh, in grams CO2-equivalent; null when no intensity was given. */
  co2e_g: number | null;
  /**
   * Σ `energy.remote.min_joules` over the bucket's model calls (each call once): the low end of the hosted-API
   * estimate of the provider's energy. An estimate, not a measurement: never part of energy_joules or co2e_g.
   */
  energy_remote_min_joules: number;
  /** Σ `energy.remote.max_joules` over the same calls: the high end of that estimate. */
  energy_remote_max_joules: number;
}

/** Every column, in output order; `bucket` first. */
export const KPI_COLUMNS: readonly KpiColumn[] = [
  { name: 'bucket', type: 'string' },
  { name: 'sessions', type: 'int' },
  { name: 'users', type: 'int' },
  { name: 'turns', type: 'int' },
  { name: 'llm_calls', type: 'int' },
  { name: 'tokens_prompt', type: 'int' },
  { name: 'tokens_completion', type: 'int' },
  { name: 'tokens_cache_read', type: 'int' },
  { name: 'tokens_cache_creation', type: 'int' },
  { name: 'cost_usd', type: 'float' },
  { name: 'cache_hit_ratio', type: 'float' },
  { name: 'tool_success_rate', type: 'float' },
  { name: 'failure_rate', type: 'float' },
  { name: 'regenerate_rate', type: 'float' },
  { name: 'time_to_first_action_s_p50', type: 'float' },
  { name: 'time_to_first_action_s_p95', type: 'float' },
  { name: 'thumbs_up', type: 'int' },
  { name: 'thumbs_down', type: 'int' },
  { name: 'hf_jobs_submitted', type: 'int' },
  { name: 'hf_jobs_succeeded', type: 'int' },
  { name: 'hf_jobs_blocked', type: 'int' },
  { name: 'pro_cta_clicks', type: 'int' },
  { name: 'gpu_hours_by_flavor_json', type: 'string' },
  { name: 'pro_cta_by_source_json', type: 'string' },
  { name: 'spans', type: 'int' },
  { name: 'tool_calls', type: 'int' },
  { name: 'energy_joules', type: 'float' },
  { name: 'energy_gpu_joules', type: 'float' },
  { name: 'energy_cpu_joules', type: 'float' },
  { name: 'joules_per_turn', type: 'float' },
  { name: 'output_tokens_per_joule', type: 'float' },
  { name: 'grid_intensity_g_per_kwh', type: 'float', nullable: true },
  { name: 'co2e_g', type: 'float', nullable: true },
  // Added after every earlier column, so earlier files' columns keep their positions.
  { name: 'energy_remote_min_joules', type: 'float' },
  { name: 'energy_remote_max_joules', type: 'float' },
];
