// The seed's own test vectors for BatchMetrics (OpenJarvis tests/telemetry/test_batch.py) and phase metrics
// (test_phase_metrics.py), on a simulated source driven on a virtual clock.
import { describe, expect, it } from 'vitest';
import { RequestTally, toBatchMetrics } from '../../src/runtime/measure/energy-batch.js';
import { unmeasuredSample, type EnergySample } from '../../src/runtime/measure/energy-sample.js';
import { phaseMetrics, splitAtTtft } from '../../src/runtime/measure/phase-metrics.js';
import { ORIGIN_MS, drive } from '../energy-timeline/drive.js';

/** What the seed's fake monitor reports: `joules` over `seconds`. */
const monitor = (joules: number, seconds = 1): EnergySample => ({
  ...unmeasuredSample(seconds),
  energy_joules: joules,
  mean_power_watts: joules / seconds,
  measured: true,
});

function tally(requests: Array<[tokens: number, joules?: number]>): RequestTally {
  const t = new RequestTally('b');
  for (const [tokens, joules] of requests) t.recordRequest(tokens, { energyJoules: joules });
  return t;
}

describe('BatchMetrics (seed vectors)', () => {
  it('a monitor reporting 20 J over 2 × 100 tokens gives 0.1 J/token', () => {
    expect(toBatchMetrics(tally([[100], [100]]), monitor(20), 1).energy_per_token_joules).toBeCloseTo(0.1, 12);
  });
  it('15 J over 3 requests gives 5 J/request', () => {
    expect(toBatchMetrics(tally([[10], [10], [10]]), monitor(15), 1).energy_per_request_joules).toBeCloseTo(5, 12);
  });
  it('no monitor with per-request 1.0 and 2.0 J gives a total of 3.0 J', () => {
    const m = toBatchMetrics(tally([[5, 1.0], [5, 2.0]]), undefined, 1);
    expect(m.total_energy_joules).toBe(3);
    expect(m.per_request_energy).toEqual([1, 2]);
    expect(m.mean_power_watts).toBe(0);
  });
  it('100 requests × 10 tokens with 1 J gives 0.001 J/token', () => {
    expect(toBatchMetrics(tally(Array.from({ length: 100 }, () => [10] as [number])), monitor(1), 1).energy_per_token_joules).toBeCloseTo(0.001, 12);
  });
  it('an empty batch divides by nothing: 0, never NaN', () => {
    expect(toBatchMetrics(tally([]), monitor(5), 0)).toMatchObject({ energy_per_token_joules: 0, energy_per_request_joules: 0, mean_throughput_tok_per_sec: 0 });
  });
});

describe('phase metrics (seed vectors)', () => {
  const T = ORIGIN_MS;
  const run = () => {
    const d = drive([{ power: 100, component: 'gpu', counterPeriodMs: 0 }, { power: 50, component: 'cpu', counterPeriodMs: 0 }], { intervalMs: 100, jitterMs: 0 });
    d.runUntil(T + 2000);
    return d.sampler.timeline;
  };

  it('a 1 s window at 100 W GPU and 50 W CPU gives 100 J and 50 J', () => {
    const p = phaseMetrics(run(), T + 500, T + 1500, 10);
    expect(p.energy_j).toBeCloseTo(100, 6);
    expect(p.cpu_energy_j).toBeCloseTo(50, 6);
    expect(p.mean_power_w).toBeCloseTo(100, 6);
    expect(p.cpu_mean_power_w).toBeCloseTo(50, 6);
    expect(p.duration_s).toBe(1);
    expect(p.energy_per_token_j).toBeCloseTo(10, 6);
    expect(p.tokens).toBe(10);
  });

  it('a split at 500 ms gives 0.5 s each, with the input tokens before and the output tokens after', () => {
    const [prefill, decode] = splitAtTtft(run(), T + 500, T + 1000, T + 1500, 50, 100);
    expect([prefill.duration_s, decode.duration_s]).toEqual([0.5, 0.5]);
    expect([prefill.tokens, decode.tokens]).toEqual([50, 100]);
    expect(prefill.energy_j).toBeCloseTo(50, 6);
    expect(decode.energy_per_token_j).toBeCloseTo(0.5, 6);
  });

  it('an empty or reversed window is 0 J, not NaN', () => {
    expect(phaseMetrics(run(), T + 900, T + 800, 5)).toMatchObject({ energy_j: 0, duration_s: 0, mean_power_w: 0, energy_per_token_j: 0 });
  });
});
