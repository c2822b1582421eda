// A synthetic continuous-batching schedule, the GPU power it draws, and each request's true share under each rule:
// worked out here directly from the schedule (not from spans or a timeline), so tests can compare what
// `openjoules attribute` finds against it.
import type { AttributionRule } from '../../../src/analysis/serving/attribute-energy.js';
import type { ScheduledRequest } from './vllm-engine.js';
import type { PowerSteps } from './power-profile.js';

/** Times in ms from the schedule's origin. Six requests; prefill and decode of different requests share steps. */
const RELATIVE: ReadonlyArray<[id: string, arrival: number, scheduled: number, first: number, last: number, prompt: number, completion: number]> = [
  ['r1', 0, 0, 300, 3300, 1200, 121],
  ['r2', 200, 300, 500, 2900, 300, 97],
  ['r3', 800, 900, 1400, 4400, 2000, 151],
  ['r4', 2000, 2000, 2200, 3800, 200, 65],
  ['r5', 3560, 3660, 3960, 5160, 800, 49],
  ['r6', 6000, 6000, 6200, 7000, 100, 33],
];

/** Where the schedule ends (ms from its origin); idle after the last request until here. */
export const SCHEDULE_END_MS = 8000;

/** GPU power: idle, plus this while any request is in prefill, plus this per request in decode (watts). */
export const IDLE_WATTS = 60;
export const PREFILL_WATTS = 180;
export const DECODE_WATTS_EACH = 25;
/** The GPU's power follows the batch this late (ms): a step never sits on a schedule boundary. */
export const POWER_LAG_MS = 50;

/** The schedule at `originMs` (epoch ms). */
export function batchingSchedule(originMs: number): ScheduledRequest[] {
  return RELATIVE.map(([id, arrival, scheduled, first, last, promptTokens, completionTokens]) => ({
    id,
    arrivalMs: originMs + arrival,
    scheduledMs: originMs + scheduled,
    firstTokenMs: originMs + first,
    lastTokenMs: originMs + last,
    promptTokens,
    completionTokens,
  }));
}

/** The power the schedule draws, as steps from `originMs − idleBeforeMs` (epoch ms when originMs is). */
export function schedulePower(schedule: readonly ScheduledRequest[], originMs: number, idleBeforeMs: number): PowerSteps {
  const bounds = [...new Set(schedule.flatMap((r) => [r.scheduledMs, r.firstTokenMs, r.lastTokenMs]))].sort((a, b) => a - b);
  const steps: [number, number][] = [[originMs - idleBeforeMs, IDLE_WATTS]];
  for (const t of bounds) {
    const prefilling = schedule.some((r) => r.scheduledMs <= t && t < r.firstTokenMs);
    const decoding = schedule.filter((r) => r.firstTokenMs <= t && t < r.lastTokenMs).length;
    steps.push([t + POWER_LAG_MS, IDLE_WATTS + (prefilling ? PREFILL_WATTS : 0) + DECODE_WATTS_EACH * decoding]);
  }
  return steps;
}

/** The same steps as the NVML double's `profile=` control line (segment durations from its init at `initMs`). */
export function nvmlProfileLine(steps: PowerSteps, initMs: number): string {
  const segments: string[] = [];
  for (let i = 0; i < steps.length; i++) {
    const from = i === 0 ? initMs : steps[i]![0];
    const to = i + 1 < steps.length ? steps[i + 1]![0] : from + 3_600_000;
    segments.push(`${to - from}:${steps[i]![1] * 1000}`);
  }
  return `profile=${segments.join(',')}`;
}

/** A request's true joules under a rule. */
export interface TrueShare {
  readonly joules: number;
  readonly prefill: number;
  readonly decode: number;
}

/**
 * Each request's share of `watts` over [fromMs, toMs] under `rule`, integrated exactly over the stretches where
 * the power and the batch are both constant, plus the idle joules.
 */
export function trueShares(
  schedule: readonly ScheduledRequest[],
  steps: PowerSteps,
  rule: AttributionRule,
  fromMs: number,
  toMs: number,
): { shares: Map<string, TrueShare>; idle: number; device: number } {
  const points = [...new Set([fromMs, toMs, ...steps.map(([t]) => t), ...schedule.flatMap((r) => [r.scheduledMs, r.firstTokenMs, r.lastTokenMs])])]
    .filter((t) => t >= fromMs && t <= toMs)
    .sort((a, b) => a - b);
  const acc = new Map(schedule.map((r) => [r.id, { joules: 0, prefill: 0, decode: 0 }]));
  let idle = 0;
  let device = 0;
  for (let i = 0; i + 1 < points.length; i++) {
    const [u, v] = [points[i]!, points[i + 1]!];
    let watts = 0;
    for (const [t, w] of steps) if (u >= t) watts = w;
    const joules = (watts * (v - u)) / 1000;
    device += joules;
    const on = schedule.filter((r) => r.scheduledMs <= u && u < r.lastTokenMs);
    if (on.length === 0) {
      idle += joules;
      continue;
    }
    const weight = (r: ScheduledRequest): number => {
      if (rule === 'fair') return 1;
      return u < r.firstTokenMs ? r.promptTokens / ((r.firstTokenMs - r.scheduledMs) / 1000) : (r.completionTokens - 1) / ((r.lastTokenMs - r.firstTokenMs) / 1000);
    };
    const total = on.reduce((s, r) => s + weight(r), 0);
    for (const r of on) {
      const j = (joules * weight(r)) / total;
      const a = acc.get(r.id)!;
      a.joules += j;
      if (u < r.firstTokenMs) a.prefill += j;
      else a.decode += j;
    }
  }
  return { shares: acc, idle, device };
}
