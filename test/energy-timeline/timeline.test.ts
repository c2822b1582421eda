// The timeline against the exact truth of a simulated power profile.
import { describe, expect, it } from 'vitest';
import { Series } from '../../src/runtime/energy/timeline/series.js';
import { constantPower, steppedPower, type SimulatedDeviceOptions } from '../../src/runtime/energy/sources/simulated.js';
import { ORIGIN_MS, drive, lcg, median } from './drive.js';

const T = ORIGIN_MS;

describe('EnergyTimeline', () => {
  it('is exact for constant power, at any window size', () => {
    const d = drive([{ power: constantPower(250), counterPeriodMs: 100 }]);
    d.runUntil(T + 3000);
    const tl = d.sampler.timeline;
    // Once the tick phase is pinned down (well under a sampling period after ~1 s), to a few ppm at any size.
    for (const [a, b] of [
      [1500, 1510],
      [1512.3, 1517.9],
      [2000, 2100],
      [1250, 2750],
    ] as const) {
      const truth = (250 * (b - a)) / 1000;
      expect(Math.abs((tl.joules(0, T + a, T + b) ?? 0) - truth) / truth).toBeLessThan(1e-4);
    }
    // Before that, within the half sampling period a tick can be misplaced by.
    expect(Math.abs((tl.joules(0, T + 300, T + 700) ?? 0) - 100) / 100).toBeLessThan(0.025);
    expect(tl.meanWatts(0, T + 1600, T + 1700)).toBeCloseTo(250, 2);
    expect(tl.peakWatts(0, T + 1600, T + 1700)).toBeCloseTo(250, 9);
  });

  it('conserves the counter across its ticks', () => {
    const profile = steppedPower([120, 310, 80, 260, 190], 23, T);
    const d = drive([{ power: profile, counterPeriodMs: 100, counterPhaseMs: 37 }]);
    d.runUntil(T + 5000);
    const tl = d.sampler.timeline;
    // Between true tick times the answer is the counter difference (tick times are located to well under a sample).
    for (let n = 20; n < 45; n++) {
      const a = T + 37 + n * 100;
      const b = a + 100 * (1 + (n % 3));
      const counter = d.source.counterJoules(0, b + 0.01) - d.source.counterJoules(0, a + 0.01);
      expect(Math.abs((tl.joules(0, a, b) ?? 0) - counter) / counter).toBeLessThan(0.01);
    }
    // Windows add up.
    const whole = tl.joules(0, T + 1000, T + 4000) ?? 0;
    const parts = (tl.joules(0, T + 1000, T + 2345.6) ?? 0) + (tl.joules(0, T + 2345.6, T + 4000) ?? 0);
    expect(parts).toBeCloseTo(whole, 9);
    expect(Math.abs(whole - d.source.trueJoules(0, T + 1000, T + 4000)) / whole).toBeLessThan(0.002);
  });

  it('gives spans shorter than a tick a non-zero, close estimate', () => {
    const profile = steppedPower([120, 310, 80, 260, 190], 23, T);
    const d = drive([{ power: profile, counterPeriodMs: 100 }]);
    d.runUntil(T + 4000);
    const tl = d.sampler.timeline;
    const random = lcg(7);
    const errors: number[] = [];
    for (let i = 0; i < 200; i++) {
      const a = T + 1000 + random() * 2500;
      const b = a + 10;
      const ours = tl.joules(0, a, b) ?? 0;
      expect(ours).toBeGreaterThan(0);
      errors.push(Math.abs(ours - d.source.trueJoules(0, a, b)) / d.source.trueJoules(0, a, b));
    }
    expect(median(errors)).toBeLessThan(0.1);
  });

  it('interpolates the counter when only a 1 s average power is reported', () => {
    const d = drive([{ power: constantPower(180), counterPeriodMs: 100, powerReporting: 'average' }]);
    d.runUntil(T + 3000);
    const tl = d.sampler.timeline;
    const j = tl.joules(0, T + 1500, T + 1510) ?? 0;
    expect(j).toBeGreaterThan(0);
    expect(Math.abs(j - 1.8) / 1.8).toBeLessThan(0.02);
  });

  it('takes interval-end readings (powermetrics) as exact at their time', () => {
    const profile = steppedPower([5, 15, 9], 170, T);
    const d = drive([{ power: profile, counterPeriodMs: 500, counterTimestamped: true, powerReporting: 'none', component: 'cpu' }], {
      intervalMs: 500,
      jitterMs: 0,
    });
    d.runUntil(T + 5000);
    const tl = d.sampler.timeline;
    expect(tl.joules(0, T + 1000, T + 3000)).toBeCloseTo(d.source.trueJoules(0, T + 1000, T + 3000), 9);
    expect(tl.joules(0, T + 1100, T + 1200)).toBeGreaterThan(0);
  });

  it('says how far it is final, and extrapolates (labelled) beyond', () => {
    const d = drive([{ power: constantPower(100), counterPeriodMs: 100 }]);
    d.runUntil(T + 1000);
    const tl = d.sampler.timeline;
    const covered = tl.coveredUntil(0);
    expect(covered).toBeLessThanOrEqual(d.now());
    expect(covered).toBeGreaterThan(d.now() - 115);
    const w = tl.window(covered - 50, covered + 30);
    expect(w?.extrapolated).toBe(true);
    expect(w?.method).toBe('estimate');
    expect(w?.joules).toBeCloseTo(8, 6);
    expect(tl.window(T + 200, T + 300)?.method).toBe('counter');
  });

  it('extrapolates past the newest reading along one line, and forgets that line when readings come in', () => {
    // Power ramps up: the extrapolation (last power held, calibrated by the counter) must follow the data, not a stale fit.
    const d = drive([{ power: (t: number) => 100 + (t - T) / 10, counterPeriodMs: 100 }], { jitterMs: 0 });
    d.runUntil(T + 2000);
    const tl = d.sampler.timeline;
    const last = d.now();
    // Past the newest reading E(t) is linear in t: equal steps give equal joules, to rounding.
    const step = (a: number): number => tl.energyAt(0, last + a + 5) - tl.energyAt(0, last + a);
    expect(step(1)).toBeCloseTo(step(3), 9);
    expect(step(3)).toBeCloseTo(step(40), 9);
    // ~300 W at T + 2000 s: the line's slope is the power there.
    expect((step(1) / 5) * 1000).toBeGreaterThan(280);
    expect((step(1) / 5) * 1000).toBeLessThan(320);
    const before = tl.energyAt(0, last + 300);
    d.runUntil(T + 2400);
    const after = tl.energyAt(0, last + 300);
    // Now measured rather than extrapolated: the ramp drew more than the held power said.
    expect(after).toBeGreaterThan(before);
    expect(Math.abs((tl.joules(0, last + 100, last + 300) ?? 0) - d.source.trueJoules(0, last + 100, last + 300)) / 60).toBeLessThan(0.01);
  });

  /**
   * A step every 100 ms at T+20+100k and ticks at T+37+100k: each tick interval holds one step, sampled only every
   * ~10 ms. Worst relative error over 70 ms spans in the flat stretches, after ~22 s (the sensor's calibration is learnt
   * over ~20 s of ticks).
   */
  const worstOnFlatStretches = (device: Partial<SimulatedDeviceOptions>): number => {
    const d = drive([{ power: steppedPower([100, 500, 250, 400], 100, T + 20), counterPeriodMs: 100, counterPhaseMs: 37, ...device }]);
    d.runUntil(T + 25_000);
    const tl = d.sampler.timeline;
    let worst = 0;
    for (let k = 220; k < 245; k++) {
      const a = T + 41 + 100 * k; // flat from T+20+100k to T+120+100k
      const truth = d.source.trueJoules(0, a, a + 70);
      worst = Math.max(worst, Math.abs((tl.joules(0, a, a + 70) ?? 0) - truth) / truth);
    }
    return worst;
  };

  it("puts the counter's correction where the power stepped, so a flat stretch in the same tick stays right", () => {
    // Scaling the whole tick by counter/trapezoid (what a plain shaping does) is off by up to ~10% here; what is left
    // is the noise of the learnt calibration.
    expect(worstOnFlatStretches({})).toBeLessThan(0.01);
  });

  it("learns the power sensor's calibration from the counter, so a sensor reading 10% high does not skew spans", () => {
    // Put down to the steps alone, the sensor's 10% would land on the flat stretches.
    expect(worstOnFlatStretches({ powerReadingError: { gain: 0.1 } })).toBeLessThan(0.01);
  });

  it('gives the same answer to a question whatever was asked before (per-interval numbers are kept between questions)', () => {
    const profile = steppedPower([120, 610, 80, 460, 190, 700, 60], 13, T);
    const make = () => {
      const d = drive([{ power: profile, counterPeriodMs: 100, counterPhaseMs: 37 }]);
      d.runUntil(T + 4000);
      return d.sampler.timeline;
    };
    const random = lcg(11);
    const times = Array.from({ length: 400 }, () => T + 500 + random() * 3000);
    // Fresh timelines: each time asked alone, then all asked in time order, then in a shuffled order on one timeline.
    const alone = times.map((t) => make().energyAt(0, t));
    const tl = make();
    const inOrder = new Map([...times].sort((a, b) => a - b).map((t) => [t, tl.energyAt(0, t)]));
    const shuffled = times.map((t) => tl.energyAt(0, t));
    expect(times.map((t) => inOrder.get(t))).toEqual(alone);
    expect(shuffled).toEqual(alone);
  });

  it('never changes an answer once the devices have reported past it, however the questions came in', () => {
    const profile = steppedPower([120, 610, 80, 460, 190, 700, 60], 13, T);
    const device = { power: profile, counterPeriodMs: 100, counterPhaseMs: 37 };
    const live = drive([device]);
    const random = lcg(5);
    const asked: Array<[number, number]> = [];
    // Questions while the data comes in, about times already covered: recent ones and older ones, interleaved.
    for (let t = 600; t <= 3600; t += 50) {
      live.runUntil(T + t);
      const covered = live.sampler.timeline.coveredUntil(0);
      for (let k = 0; k < 6; k++) {
        const at = covered - (k % 2 === 0 ? random() * 120 : random() * 500);
        asked.push([at, live.sampler.timeline.energyAt(0, at)]);
      }
    }
    const after = drive([device]);
    after.runUntil(T + 4000);
    expect(asked.map(([at]) => after.sampler.timeline.energyAt(0, at))).toEqual(asked.map(([, e]) => e));
  });

  it('sums per component and names the sources', () => {
    const d = drive([
      { power: constantPower(300), component: 'gpu' },
      { power: constantPower(40), component: 'cpu', powerReporting: 'none', counterPeriodMs: 1 },
    ]);
    d.runUntil(T + 3000);
    const w = d.sampler.timeline.window(T + 1500, T + 2500);
    expect(w?.components.gpu).toBeCloseTo(300, 1);
    expect(w?.components.cpu).toBeCloseTo(40, 1);
    expect(w?.joules).toBeCloseTo(340, 1);
    expect(w?.sources).toEqual(['simulated']);
  });

  it('has no answer for a device without data', () => {
    const d = drive([{ power: constantPower(100) }]);
    const tl = d.sampler.timeline;
    expect(tl.joules(0, T, T + 10)).toBeUndefined();
    expect(tl.window(T, T + 10)).toBeUndefined();
    expect(tl.coveredUntil(0)).toBe(-Infinity);
  });

  it('finds the point at or before any time, whatever was asked before (searches start from the last answer)', () => {
    const series = new Series(64);
    const random = lcg(11);
    let t = 0;
    for (let i = 0; i < 200; i++) series.push((t += 1 + random() * 3), i); // wraps: the oldest points are dropped
    for (let k = 0; k < 5000; k++) {
      const q = k % 3 === 0 ? series.time(k % series.length) : random() * (t + 20) - 10;
      let want = -1;
      for (let i = 0; i < series.length; i++) if (series.time(i) <= q) want = i;
      expect(series.indexAtOrBefore(q)).toBe(want);
    }
  });

  it('keeps bounded history and stays right after the ring wraps many times', () => {
    const d = drive([{ power: steppedPower([100, 200], 50, T), counterPeriodMs: 100 }], { ringCapacity: 64 });
    d.runUntil(T + 60_000);
    const tl = d.sampler.timeline;
    expect(tl.lostSamples).toBe(0);
    const truth = d.source.trueJoules(0, T + 59_000, T + 59_500);
    expect(Math.abs((tl.joules(0, T + 59_000, T + 59_500) ?? 0) - truth) / truth).toBeLessThan(0.01);
  });
});
