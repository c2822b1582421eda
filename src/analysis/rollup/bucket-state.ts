import type { SpanRecord } from '../otlp/span-record.js';
import { EventCounters } from './event-counters.js';
import type { KpiRow } from './kpi-row.js';
import { percentile } from './percentile.js';
import { pyRound } from './py-round.js';
import * as t from './trace-sums.js';

/** Per-session flags within one bucket. */
export const SESSION_FAILED = 1;
export const SESSION_REGENERATED = 2;

/**
 * Running sums for one bucket. Everything here is a counter except `ttfaSeconds`, which grows with the number of
 * sessions whose first tool call ended in the bucket. Its sessions and users (which grow with the sessions active in
 * it) are kept by the aggregator for all buckets in one table each, and counted here by {@link countSession} at the end.
 * What whole traces add (turns, calls, tokens, cost, energy) is kept by the aggregator in one array (trace-sums.ts).
 */
export class BucketState {
  spans = 0;
  /** Feedback, job and call-to-action events of the bucket's spans. */
  readonly events = new EventCounters();
  /** Sessions active in the bucket, and of them those with SESSION_FAILED / SESSION_REGENERATED: see {@link countSession}. */
  sessions = 0;
  failedSessions = 0;
  regeneratedSessions = 0;
  /** Distinct users, counted by the aggregator. */
  users = 0;
  /** Time to first action of the sessions whose first execute_tool span ended in this bucket, in seconds. */
  readonly ttfaSeconds: number[] = [];

  /** `index`: the bucket's place in its window, its key in the aggregator's tables. */
  constructor(
    readonly key: string,
    readonly index: number,
  ) {}

  /** Counts one (final) session active here, with the SESSION_* flags its spans here had. */
  countSession(flags: number): void {
    this.sessions++;
    if (flags & SESSION_FAILED) this.failedSessions++;
    if (flags & SESSION_REGENERATED) this.regeneratedSessions++;
  }

  /** Counts a span's events (feedback, jobs, calls to action). */
  countEvents(events: SpanRecord['events']): void {
    if (events.length > 0) this.events.add(events);
  }

  /**
   * The finished row, with the seed's rounding: Python's `round`, 4 places for money and ratios, 2 for seconds.
   * `sums` holds the traces' additions (trace-sums.ts), this bucket's from `sums[index * TRACE_FIELDS]`.
   */
  toRow(gridIntensityGPerKwh: number | undefined, sums: Float64Array): KpiRow {
    const at = this.index * t.TRACE_FIELDS;
    const turns = sums[at + t.F_TURNS]!;
    const tokensPrompt = sums[at + t.F_TOKENS_PROMPT]!;
    const tokensCompletion = sums[at + t.F_TOKENS_COMPLETION]!;
    const tokensCacheRead = sums[at + t.F_TOKENS_CACHE_READ]!;
    const toolCalls = sums[at + t.F_TOOL_CALLS]!;
    const energyJoules = sums[at + t.F_ENERGY_JOULES]!;
    const sessions = this.sessions;
    const cacheDenominator = tokensCacheRead + tokensPrompt;
    const joules = pyRound(energyJoules, 3);
    return {
      bucket: this.key,
      sessions,
      users: this.users,
      turns,
      llm_calls: sums[at + t.F_LLM_CALLS]!,
      tokens_prompt: tokensPrompt,
      tokens_completion: tokensCompletion,
      tokens_cache_read: tokensCacheRead,
      tokens_cache_creation: sums[at + t.F_TOKENS_CACHE_CREATION]!,
      cost_usd: pyRound(sums[at + t.F_COST_USD]!, 4),
      cache_hit_ratio: ratio(tokensCacheRead, cacheDenominator, 4),
      tool_success_rate: ratio(sums[at + t.F_TOOL_SUCCESSES]!, toolCalls, 4),
      failure_rate: ratio(this.failedSessions, sessions, 4),
      regenerate_rate: ratio(this.regeneratedSessions, sessions, 4),
      time_to_first_action_s_p50: pyRound(percentile(this.ttfaSeconds, 0.5), 2),
      time_to_first_action_s_p95: pyRound(percentile(this.ttfaSeconds, 0.95), 2),
      thumbs_up: this.events.thumbsUp,
      thumbs_down: this.events.thumbsDown,
      hf_jobs_submitted: this.events.jobsSubmitted,
      hf_jobs_succeeded: this.events.jobsSucceeded,
      hf_jobs_blocked: this.events.jobsBlocked,
      pro_cta_clicks: this.events.ctaClicks,
      gpu_hours_by_flavor_json: this.events.gpuHoursJson(),
      pro_cta_by_source_json: this.events.ctaBySourceJson(),
      spans: this.spans,
      tool_calls: toolCalls,
      energy_joules: joules,
      energy_gpu_joules: pyRound(sums[at + t.F_ENERGY_GPU_JOULES]!, 3),
      energy_cpu_joules: pyRound(sums[at + t.F_ENERGY_CPU_JOULES]!, 3),
      joules_per_turn: ratio(energyJoules, turns, 3),
      output_tokens_per_joule: ratio(tokensCompletion, energyJoules, 4),
      grid_intensity_g_per_kwh: gridIntensityGPerKwh ?? null,
      // 1 kWh = 3.6 MJ.
      co2e_g: gridIntensityGPerKwh === undefined ? null : pyRound((energyJoules / 3.6e6) * gridIntensityGPerKwh, 6),
      energy_remote_min_joules: pyRound(sums[at + t.F_REMOTE_MIN_JOULES]!, 3),
      energy_remote_max_joules: pyRound(sums[at + t.F_REMOTE_MAX_JOULES]!, 3),
    };
  }
}

/** The seed's convention: a ratio with a zero denominator is 0, not NaN. */
function ratio(numerator: number, denominator: number, places: number): number {
  return denominator > 0 ? pyRound(numerator / denominator, places) : 0;
}
