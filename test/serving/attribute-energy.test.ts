// Both attribution rules on synthetic schedules, against shares worked out by hand (numbers in the comments).
import { describe, expect, it } from 'vitest';
import { attributeEnergy, tokensPerSecond } from '../../src/analysis/serving/attribute-energy.js';
import type { ServingRequest } from '../../src/analysis/serving/serving-request.js';
import { ServingTimeline } from '../../src/analysis/serving/serving-timeline.js';
import { deviceSamples, gpu, type PowerSteps } from './helpers/power-profile.js';

function request(id: string, scheduledMs: number, firstTokenMs: number, lastTokenMs: number, prefillTokens?: number, decodeTokens?: number): ServingRequest {
  return { traceId: '0'.repeat(31) + '1', spanId: id.padStart(16, '0'), scheduledMs, firstTokenMs, lastTokenMs, prefillTokens, decodeTokens };
}

// 100 W idle until 1 s, 300 W while requests run until 3 s, 100 W idle after: E = 100 J, +600 J, +100 J.
const POWER: PowerSteps = [
  [0, 100],
  [1000, 300],
  [3000, 100],
];
const timeline = new ServingTimeline([deviceSamples(gpu(), POWER, 0, 4000)]);
// A: prefill 1000 tokens over [1.0, 1.5) s = 2000 tok/s, decode 50 tokens over [1.5, 2.5) s = 50 tok/s.
// B: prefill 100 tokens over [1.5, 2.0) s = 200 tok/s, decode 50 tokens over [2.0, 3.0) s = 50 tok/s.
// (The README's worked example.)
const A = request('a', 1000, 1500, 2500, 1000, 50);
const B = request('b', 1500, 2000, 3000, 100, 50);

describe('attributeEnergy', () => {
  it('fair: equal shares among the requests on the GPU at each instant; prefill and decode split at the first token', () => {
    const r = attributeEnergy([A, B], timeline, 'fair', 0, 4000);
    // [1.0,1.5) A alone 150 J; [1.5,2.0) A decode + B prefill 150 J → 75/75; [2.0,2.5) both decode 150 J → 75/75;
    // [2.5,3.0) B alone 150 J. A = 150 + 75 + 75 = 300 (prefill 150), B = 75 + 75 + 150 = 300 (prefill 75).
    expect(r.requests[0]!.joules).toBeCloseTo(300, 9);
    expect(r.requests[0]!.prefillJoules).toBeCloseTo(150, 9);
    expect(r.requests[0]!.decodeJoules).toBeCloseTo(150, 9);
    expect(r.requests[1]!.joules).toBeCloseTo(300, 9);
    expect(r.requests[1]!.prefillJoules).toBeCloseTo(75, 9);
    expect(r.requests[1]!.decodeJoules).toBeCloseTo(225, 9);
    expect(r.idleJoules).toBeCloseTo(200, 9);
    expect(r.deviceJoules).toBeCloseTo(800, 9);
    expect(r.requests[0]!.components).toEqual({ gpu: expect.closeTo(300, 9) as unknown as number });
  });

  it('tokens: shares by tokens per second in each phase', () => {
    const r = attributeEnergy([A, B], timeline, 'tokens', 0, 4000);
    // [1.5,2.0): A decodes at 50 tok/s, B prefills at 200 tok/s → A 150 × 50/250 = 30 J, B 120 J.
    // [2.0,2.5): both decode at 50 tok/s → 75 J each, as fair. A = 150 + 30 + 75 = 255, B = 120 + 75 + 150 = 345.
    expect(r.requests[0]!.joules).toBeCloseTo(255, 9);
    expect(r.requests[0]!.prefillJoules).toBeCloseTo(150, 9);
    expect(r.requests[0]!.decodeJoules).toBeCloseTo(105, 9);
    expect(r.requests[1]!.joules).toBeCloseTo(345, 9);
    expect(r.requests[1]!.prefillJoules).toBeCloseTo(120, 9);
    expect(r.requests[1]!.decodeJoules).toBeCloseTo(225, 9);
    expect(r.idleJoules).toBeCloseTo(200, 9);
  });

  it('requests plus idle equal the devices over the window, whatever the rule', () => {
    for (const rule of ['fair', 'tokens'] as const) {
      const r = attributeEnergy([A, B], timeline, rule, 0, 4000);
      const sum = r.requests.reduce((s, q) => s + q.joules, 0) + r.idleJoules;
      expect(sum).toBeCloseTo(800, 9);
      expect(r.deviceJoules).toBeCloseTo(timeline.between(0, 4000).joules, 9);
    }
  });

  it('idle is only the stretches with no request; a request ending as another starts leaves no overlap', () => {
    // C ends at 2000 exactly when D starts: each is alone on the GPU, 300 J each at 300 W.
    const C = request('c', 1000, 1000, 2000, 10, 10);
    const D = request('d', 2000, 2000, 3000, 10, 10);
    const r = attributeEnergy([C, D], timeline, 'fair', 0, 4000);
    expect(r.requests.map((q) => q.joules)).toEqual([expect.closeTo(300, 9), expect.closeTo(300, 9)]);
    // Zero-length prefill: the request starts in decode.
    expect(r.requests[0]!.prefillJoules).toBe(0);
    expect(r.idleJoules).toBeCloseTo(200, 9);
  });

  it('boundaries between samples are interpolated linearly (power constant between samples)', () => {
    // 1050 → 1250 at 300 W = 60 J, inside the 100 ms samples.
    const r = attributeEnergy([request('e', 1050, 1150, 1250, 1, 1)], timeline, 'fair', 0, 4000);
    expect(r.requests[0]!.joules).toBeCloseTo(60, 9);
    expect(r.requests[0]!.prefillJoules).toBeCloseTo(30, 9);
  });

  it('a request partly before the timeline gets the covered part and says how much was covered', () => {
    // On the GPU from −500 to 500 ms; the timeline starts at 0: 500 ms at 100 W = 50 J, coverage 1/2.
    const r = attributeEnergy([request('f', -500, -400, 500, 1, 1)], timeline, 'fair', -1000, 4000);
    expect(r.requests[0]!.joules).toBeCloseTo(50, 9);
    expect(r.requests[0]!.coveredMs / r.requests[0]!.onGpuMs).toBeCloseTo(0.5, 9);
    expect(r.requests[0]!.prefillJoules).toBe(0); // its prefill was before the timeline
  });

  it('a gap in the timeline (sampler down) counts as uncovered, not interpolated across', () => {
    const full = deviceSamples(gpu(), POWER, 0, 4000);
    // Drop the samples strictly inside (1500, 2500): a 1 s stretch against a 100 ms step is a gap.
    const keep = full.timesMs.map((t, i) => [t, full.joules[i]!] as const).filter(([t]) => !(t > 1500 && t < 2500));
    const gappy = new ServingTimeline([{ device: gpu(), timesMs: keep.map(([t]) => t), joules: keep.map(([, j]) => j) }]);
    expect(gappy.gaps).toBe(1);
    const r = attributeEnergy([A], gappy, 'fair', 0, 4000);
    // A runs 1.0–2.5 s; 1.5–2.5 s is in the gap: 150 J of its 450 J, coverage 1/3.
    expect(r.requests[0]!.joules).toBeCloseTo(150, 9);
    expect(r.requests[0]!.coveredMs / r.requests[0]!.onGpuMs).toBeCloseTo(1 / 3, 9);
    expect(r.deviceJoules).toBeCloseTo(800 - 300, 9);
  });

  it('joules going backwards (another sampler run) make that stretch uncovered', () => {
    const first = deviceSamples(gpu(), POWER, 0, 2000);
    const second = deviceSamples(gpu(), POWER.map(([t, w]) => [t - 2100, w] as const), 0, 1900); // restarts from 0 J
    const restarted = new ServingTimeline([
      { device: gpu(), timesMs: [...first.timesMs, ...second.timesMs.map((t) => t + 2100)], joules: [...first.joules, ...second.joules] },
    ]);
    expect(restarted.gaps).toBe(1);
    // 2000 → 2100 is lost (joules went from 400 to 0): 30 J of the 800 J.
    expect(restarted.between(0, 4000).joules).toBeCloseTo(770, 9);
  });

  it('sums devices, and keeps the per-component split of each share', () => {
    const two = new ServingTimeline([deviceSamples(gpu('nvml:0'), POWER, 0, 4000), deviceSamples(gpu('rapl:0', 'cpu'), [[0, 50]], 0, 4000)]);
    const r = attributeEnergy([A], two, 'fair', 0, 4000);
    // A alone 1.0–2.5 s: GPU 450 J, CPU 75 J.
    expect(r.requests[0]!.joules).toBeCloseTo(525, 9);
    expect(r.requests[0]!.components.gpu).toBeCloseTo(450, 9);
    expect(r.requests[0]!.components.cpu).toBeCloseTo(75, 9);
  });

  it('tokens: a request without token counts makes its stretches equal shares, and is flagged', () => {
    const noTokens = request('g', 1500, 2000, 3000);
    const r = attributeEnergy([A, noTokens], timeline, 'tokens', 0, 4000);
    // Same as fair for this pair: A = 150 + 75 + 75 = 300.
    expect(r.requests[0]!.joules).toBeCloseTo(300, 9);
    expect(r.requests[1]!.tokensMissing).toBe(true);
    expect(r.requests[0]!.tokensMissing).toBe(false);
  });

  it('a request entirely outside the window gets nothing', () => {
    const r = attributeEnergy([request('h', 5000, 5100, 5200, 1, 1)], timeline, 'fair', 0, 4000);
    expect(r.requests[0]).toMatchObject({ joules: 0, coveredMs: 0, onGpuMs: 200 });
    expect(r.idleJoules).toBeCloseTo(800, 9);
  });
});

describe('tokensPerSecond', () => {
  it('is the phase tokens over the phase time; 0 for an empty phase', () => {
    expect(tokensPerSecond(A, false)).toBe(2000);
    expect(tokensPerSecond(A, true)).toBe(50);
    expect(tokensPerSecond(request('i', 0, 0, 100, 5, 5), false)).toBe(0);
    expect(tokensPerSecond(request('j', 0, 10, 100), true)).toBeUndefined();
  });
});
