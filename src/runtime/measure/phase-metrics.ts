/**
 * The seed's phase metrics (OpenJarvis `telemetry/phase_metrics.py`): the energy of one phase of a request — prefill
 * up to the first token, decode after it — read off the energy timeline, in the seed's keys and units.
 */
import type { EnergyTimeline } from '../energy/timeline/timeline.js';

/** The seed's `compute_phase_metrics` result: energies in J, powers in W, duration in s. */
export interface PhaseMetrics {
  /** GPU joules in the phase. */
  readonly energy_j: number;
  /** CPU joules in the phase (RAPL package, powermetrics CPU, the estimate). */
  readonly cpu_energy_j: number;
  /** GPU joules / duration (the exact mean; the seed averages its samples). */
  readonly mean_power_w: number;
  readonly cpu_mean_power_w: number;
  readonly duration_s: number;
  /** energy_j / tokens; 0 without tokens. */
  readonly energy_per_token_j: number;
  readonly tokens: number;
}

/**
 * Energy of the phase [startMs, endMs] (epoch ms, the clock span times use) that produced `tokens` tokens. GPU and CPU
 * apart, as the seed; 0 J where no device of a kind measured it.
 */
export function phaseMetrics(timeline: EnergyTimeline, startMs: number, endMs: number, tokens: number): PhaseMetrics {
  const seconds = endMs > startMs ? (endMs - startMs) / 1000 : 0;
  const window = seconds > 0 ? timeline.window(startMs, endMs) : undefined;
  const gpu = window?.components.gpu ?? 0;
  const cpu = window?.components.cpu ?? 0;
  const count = Number.isFinite(tokens) && tokens > 0 ? tokens : 0;
  return {
    energy_j: gpu,
    cpu_energy_j: cpu,
    mean_power_w: seconds > 0 ? gpu / seconds : 0,
    cpu_mean_power_w: seconds > 0 ? cpu / seconds : 0,
    duration_s: seconds,
    energy_per_token_j: count > 0 ? gpu / count : 0,
    tokens: count,
  };
}

/**
 * The seed's `split_at_ttft`: prefill from `startMs` to the first token at `firstTokenMs` (an absolute time, as in the
 * seed) with the input tokens, decode from there to `endMs` with the output tokens; `[prefill, decode]` as the seed's tuple.
 */
export function splitAtTtft(
  timeline: EnergyTimeline,
  startMs: number,
  firstTokenMs: number,
  endMs: number,
  inputTokens: number,
  outputTokens: number,
): readonly [prefill: PhaseMetrics, decode: PhaseMetrics] {
  return [phaseMetrics(timeline, startMs, firstTokenMs, inputTokens), phaseMetrics(timeline, firstTokenMs, endMs, outputTokens)];
}
