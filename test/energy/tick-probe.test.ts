// The start-up probe of a counter's tick and a power reading's refresh: fitting regular ticks to change times seen on a
// busy host, and polling channels on a fake clock.
import { describe, expect, it } from 'vitest';
import { fitTicks, measuredTiming, probeChannels, refreshUpperBoundMs, type ProbeChannel } from '../../src/runtime/energy/sources/tick-probe.js';
import { lcg } from '../energy-timeline/drive.js';

/** Change times of a counter ticking every `period` ms from `phase`, seen with ±`noise` ms, at the ticks `ks`. */
function changes(period: number, phase: number, ks: readonly number[], noise = 0.002, seed = 1): number[] {
  const random = lcg(seed);
  return ks.map((k) => phase + k * period + (random() - 0.5) * 2 * noise);
}

describe('fitTicks', () => {
  it('fits period and phase to regular changes, ticks seen or not', () => {
    const fit = fitTicks(changes(20, 1000.3, [0, 1, 2, 4, 5, 9, 10, 11]));
    expect(fit?.periodMs).toBeCloseTo(20, 3);
    expect(fit?.phaseMs).toBeCloseTo(1000.3, 2);
  });

  it('finds a 1 ms period when no two consecutive ticks were seen (a thread descheduled in between)', () => {
    const fit = fitTicks(changes(1, 50.25, [0, 105, 109, 218, 243, 258, 317, 370, 380, 452, 470, 494, 530, 537, 590]));
    expect(fit?.periodMs).toBeCloseTo(1, 4);
  });

  it('leaves out a value read half-written and changes timed late', () => {
    const times = changes(1, 0.4, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    times.splice(5, 0, times[4]! + 0.004); // a second change 4 µs after one: a torn read
    times[9] = times[9]! + 0.45; // a tick published late
    times.sort((a, b) => a - b);
    const fit = fitTicks(times);
    expect(fit?.periodMs).toBeCloseTo(1, 3);
    expect(fit!.phaseMs - 0.4 - Math.round(fit!.phaseMs - 0.4)).toBeCloseTo(0, 2);
  });

  it('takes changes seen but not timed into account: with every other tick blurred, twice the period fits the rest', () => {
    const timed = changes(20, 3, [0, 2, 4, 6, 8]);
    expect(fitTicks(timed)?.periodMs).toBeCloseTo(40, 2);
    expect(fitTicks(timed, 4)?.periodMs).toBeCloseTo(20, 2);
  });

  it('says nothing from fewer than three changes, or from changes with no regular tick', () => {
    expect(fitTicks([10, 30])).toBeUndefined();
    const random = lcg(7);
    const irregular = Array.from({ length: 15 }, () => random() * 600).sort((a, b) => a - b);
    expect(fitTicks(irregular)).toBeUndefined();
  });
});

describe('probeChannels', () => {
  /** A fake clock that moves 2 µs per call, so polling itself advances time like real calls do. */
  function fakeClock(): () => number {
    let t = 1_000_000;
    return () => (t += 0.002);
  }

  it('times a 20 ms counter and a power reading refreshed every 5 ms', () => {
    const now = fakeClock();
    const counter: ProbeChannel = () => Math.floor((now() - 3.7) / 20);
    const power: ProbeChannel = () => Math.floor(now() / 5) % 7;
    const [c, p] = probeChannels([counter, power], now);
    const timing = measuredTiming(c, p);
    expect(timing.counterPeriodMeasured).toBe(true);
    expect(timing.counterPeriodMs).toBeCloseTo(20, 2);
    const ticks = (timing.counterPhaseMs! - 3.7) / 20;
    expect(Math.abs(ticks - Math.round(ticks))).toBeLessThan(1e-3);
    expect(timing.powerRefreshMs).toBeGreaterThanOrEqual(4.99);
    expect(timing.powerRefreshMs).toBeLessThan(5.02);
    expect(c!.callMs).toBeGreaterThan(0);
  });

  it('gives up early on readings that never move (an idle device, a frozen counter), saying nothing', () => {
    const now = fakeClock();
    const start = now();
    const [c] = probeChannels([() => 42], now, { maxMs: 600, quietMs: 250, changes: 5, minMs: 100 });
    expect(now() - start).toBeLessThan(260);
    expect(measuredTiming(c, undefined)).toEqual({});
  });

  it('skips channels that fail', () => {
    const now = fakeClock();
    const [c] = probeChannels([() => undefined], now, { maxMs: 50, quietMs: 20, changes: 5, minMs: 0 });
    expect(c!.changeTimesMs).toEqual([]);
    expect(c!.callMs).toBeNaN();
  });
});

describe('refreshUpperBoundMs', () => {
  it('is the shortest gap between changes: changes only come at refreshes', () => {
    const timing = { blurred: 0, blurredBetween: 0, callMs: 0.01 };
    expect(refreshUpperBoundMs({ ...timing, changeTimesMs: [0, 40, 60, 100] })).toBe(20);
    expect(refreshUpperBoundMs({ ...timing, changeTimesMs: [0, 40] })).toBeUndefined();
  });
});

describe('measuredTiming', () => {
  it('times a 100 ms counter from changes seen across ~2 ms gaps when a busy host blurred every one of them', () => {
    const ticks = changes(100, 37, [0, 1, 2, 3, 4, 5, 6, 7]);
    const timing = { changeTimesMs: [], blurred: 8, blurredBetween: 0, callMs: 0.02, blurredChanges: ticks.map((t) => [t, 1] as const) };
    const measured = measuredTiming(timing, undefined);
    expect(measured.counterPeriodMeasured).toBe(true);
    expect(measured.counterPeriodMs).toBeCloseTo(100, 1);
  });

  it('calls a counter that moves at every poll continuous: period 0, exact at every read', () => {
    expect(measuredTiming({ changeTimesMs: [], blurred: 0, blurredBetween: 0, callMs: 0.001, continuous: true }, undefined)).toEqual({
      counterPeriodMs: 0,
      counterPeriodMeasured: true,
    });
  });
});
