import type { SpanRecord } from '../otlp/span-record.js';
import { EventCounters } from './event-counters.js';
import type { KpiRow } from './kpi-row.js';
import { percentile } from './percentile.js';
import { pyRound } from './py-round.js';

/** Per-session flags within one bucket. */
export const SESSION_FAILED = 1;
export const SESSION_REGENERATED = 2;

/**
 * Running sums for one bucket. Everything here is a counter except `ttfaSeconds`, which grows with the number of
 * sessions whose first tool call ended in the bucket. Its sessions and users (which grow with the sessions active in
 * it) are kept by the aggregator for all buckets in one table each, and counted here by {@link countSession} at the end.
 */
export class BucketState {
  spans = 0;
  turns = 0;
  llmCalls = 0;
  tokensPrompt = 0;
  tokensCompletion = 0;
  tokensCacheRead = 0;
  tokensCacheCreation = 0;
  costUsd = 0;
  toolCalls = 0;
  toolSuccesses = 0;
  /** Feedback, job and call-to-action events of the bucket's spans. */
  readonly events = new EventCounters();
  energyJoules = 0;
  energyGpuJoules = 0;
  energyCpuJoules = 0;
  /** Bounds of the hosted-API estimates of the bucket's model calls: apart from the measured joules above. */
  remoteMinJoules = 0;
  remoteMaxJoules = 0;
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

  /** The finished row, with the seed's rounding: Python's `round`, 4 places for money and ratios, 2 for seconds. */
  toRow(gridIntensityGPerKwh: number | undefined): KpiRow {
    const sessions = this.sessions;
    const cacheDenominator = this.tokensCacheRead + this.tokensPrompt;
    const joules = pyRound(this.energyJoules, 3);
    return {
      bucket: this.key,
      sessions,
      users: this.users,
      turns: this.turns,
      llm_calls: this.llmCalls,
      tokens_prompt: this.tokensPrompt,
      tokens_completion: this.tokensCompletion,
      tokens_cache_read: this.tokensCacheRead,
      tokens_cache_creation: this.tokensCacheCreation,
      cost_usd: pyRound(this.costUsd, 4),
      cache_hit_ratio: ratio(this.tokensCacheRead, cacheDenominator, 4),
      tool_success_rate: ratio(this.toolSuccesses, this.toolCalls, 4),
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
      tool_calls: this.toolCalls,
      energy_joules: joules,
      energy_gpu_joules: pyRound(this.energyGpuJoules, 3),
      energy_cpu_joules: pyRound(this.energyCpuJoules, 3),
      joules_per_turn: ratio(this.energyJoules, this.turns, 3),
      output_tokens_per_joule: ratio(this.tokensCompletion, this.energyJoules, 4),
      grid_intensity_g_per_kwh: gridIntensityGPerKwh ?? null,
      // 1 kWh = 3.6 MJ.
      co2e_g: gridIntensityGPerKwh === undefined ? null : pyRound((this.energyJoules / 3.6e6) * gridIntensityGPerKwh, 6),
      energy_remote_min_joules: pyRound(this.remoteMinJoules, 3),
      energy_remote_max_joules: pyRound(this.remoteMaxJoules, 3),
    };
  }
}

/** The seed's convention: a ratio with a zero denominator is 0, not NaN. */
function ratio(numerator: number, denominator: number, places: number): number {
  return denominator > 0 ? pyRound(numerator / denominator, places) : 0;
}
