import type { SpanRecord } from '../otlp/span-record.js';
import { EventCounters } from './event-counters.js';
import type { KpiRow } from './kpi-row.js';
import { percentile } from './percentile.js';
import { pyRound } from './py-round.js';

/** Per-session flags within one bucket. */
export const SESSION_FAILED = 1;
export const SESSION_REGENERATED = 2;

/**
 * Running sums for one bucket. Everything here is a counter except `sessions` (session key → flags), `users` and
 * `ttfaSeconds`, which grow with the number of sessions active in the bucket, never with spans.
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
  /** Session (its number in the aggregator's session-table.ts) → SESSION_* flags seen in this bucket. */
  readonly sessions = new Map<number, number>();
  /** Users (session-table.ts's user keys) seen in this bucket. */
  readonly users = new Set<number>();
  /** Time to first action of the sessions whose first execute_tool span ended in this bucket, in seconds. */
  readonly ttfaSeconds: number[] = [];

  constructor(readonly key: string) {}

  /** Marks a session active here, OR-ing in flags. */
  touch(session: number, flags: number): void {
    const old = this.sessions.get(session);
    if (old === undefined || (old | flags) !== old) this.sessions.set(session, (old ?? 0) | flags);
  }

  /** Counts a span's events (feedback, jobs, calls to action). */
  countEvents(events: SpanRecord['events']): void {
    if (events.length > 0) this.events.add(events);
  }

  /** The finished row, with the seed's rounding: Python's `round`, 4 places for money and ratios, 2 for seconds. */
  toRow(gridIntensityGPerKwh: number | undefined): KpiRow {
    let failed = 0;
    let regenerated = 0;
    for (const flags of this.sessions.values()) {
      if (flags & SESSION_FAILED) failed++;
      if (flags & SESSION_REGENERATED) regenerated++;
    }
    const sessions = this.sessions.size;
    const cacheDenominator = this.tokensCacheRead + this.tokensPrompt;
    const joules = pyRound(this.energyJoules, 3);
    return {
      bucket: this.key,
      sessions,
      users: this.users.size,
      turns: this.turns,
      llm_calls: this.llmCalls,
      tokens_prompt: this.tokensPrompt,
      tokens_completion: this.tokensCompletion,
      tokens_cache_read: this.tokensCacheRead,
      tokens_cache_creation: this.tokensCacheCreation,
      cost_usd: pyRound(this.costUsd, 4),
      cache_hit_ratio: ratio(this.tokensCacheRead, cacheDenominator, 4),
      tool_success_rate: ratio(this.toolSuccesses, this.toolCalls, 4),
      failure_rate: ratio(failed, sessions, 4),
      regenerate_rate: ratio(regenerated, sessions, 4),
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
