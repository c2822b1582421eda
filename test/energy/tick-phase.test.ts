// Where the ticks of a counter faster than its reads fall: the phase model and the edge catcher that feeds it.
import { describe, expect, it } from 'vitest';
import { TickEdgeCatcher } from '../../src/runtime/energy/sources/tick-edge.js';
import { TickPhase } from '../../src/runtime/energy/timeline/tick-phase.js';

describe('TickPhase', () => {
  it('puts every tick where the measured period and phase say', () => {
    const phase = new TickPhase(1, 5000.25);
    expect(phase.tickAtOrBefore(5100.9)).toBeCloseTo(5100.25, 9);
    expect(phase.tickAfter(5100.9)).toBeCloseTo(5101.25, 9);
  });

  it('follows a counter whose clock runs 50 ppm fast from the edges it is shown', () => {
    const truePeriod = 1 - 50e-6;
    const phase = new TickPhase(1, 0);
    // An edge every 250 ms for 60 s, each seen within 4 µs.
    for (let k = 250; k <= 60_000; k += 250) phase.observe(k * truePeriod - 0.002, k * truePeriod + 0.002);
    const k = 61_000;
    expect(Math.abs(phase.tickAtOrBefore(k * truePeriod + 0.3) - k * truePeriod)).toBeLessThan(0.01);
    expect(phase.periodMs).toBeCloseTo(truePeriod, 6);
  });

  it('keeps its ticks through edges many a second, each off by the jitter of a late update', () => {
    const phase = new TickPhase(1, 0);
    const worst = worstBeforeEdges(phase, { from: 10, to: 5999, step: 10 }, 12345, 0.01);
    // A least-squares refit over the last few hundred ticks let the period wander by ~1e-3: ticks half a period off
    // within a second.
    expect(worst).toBeLessThan(0.15);
    expect(Math.abs(phase.periodMs - 1)).toBeLessThan(1e-5);
    expect(Math.abs(phase.tickAtOrBefore(6500.5) - 6500.06)).toBeLessThan(0.03);
  });

  it('finds the period from a probe 5e-4 off, with edges a few a second off by the jitter of late updates', () => {
    // A RAPL stand-in's probe measured 1.00055 ms: taken as it was, the ticks drifted half a period in a second.
    const phase = new TickPhase(1.00055, 0);
    const worst = worstBeforeEdges(phase, { from: 250, to: 30_000, step: 237, scoredAfter: 1000 }, 777, 0.003);
    expect(worst).toBeLessThan(0.15);
    expect(Math.abs(phase.periodMs - 1)).toBeLessThan(2e-6);
    // A second past the last edge, the tick is still where the late updates put it.
    expect(Math.abs(phase.tickAtOrBefore(31_000.5) - 31_000.06)).toBeLessThan(0.05);
  });

  it('starts over when its period is so far off that the edges disagree with it and with each other', () => {
    const phase = new TickPhase(1, 0);
    for (let k = 20; k <= 200; k += 20) phase.observe(k - 0.001, k + 0.001);
    // The counter's clock changes rate by 2e-3 at 1000: edges a few hundred ticks apart are each a fraction of a
    // period off the model, and off each other, so no three agree. Started over, the model is shown edges 20 ticks
    // apart until it has ten, as the edge catcher catches them.
    const tick = (k: number): number => (k <= 1000 ? k : 1000 + (k - 1000) * 1.002);
    let i = 0;
    for (let k = 1000; k <= 9000; k += phase.edgeCount < 10 ? 20 : 250 + 37 * (i++ % 5)) {
      phase.observe(tick(k) - 0.001, tick(k) + 0.001);
    }
    expect(phase.ready).toBe(true);
    expect(Math.abs(phase.periodMs - 1.002)).toBeLessThan(1e-5);
    expect(Math.abs(phase.tickAtOrBefore(tick(9500) + 0.5) - tick(9500))).toBeLessThan(0.01);
  });

  it('ignores windows as wide as half a period or more: they say nothing about the phase', () => {
    const phase = new TickPhase(1, 0.2);
    phase.observe(9.6, 10.4);
    expect(phase.tickAtOrBefore(10.5)).toBeCloseTo(10.2, 9);
  });

  it('starts over when three edges in a row, 100 periods apart or more, are a quarter period off and agree (the clock jumped)', () => {
    const phase = new TickPhase(1, 0.2);
    phase.observe(100.69, 100.71);
    phase.observe(150.69, 150.71);
    expect(phase.tickAtOrBefore(300.9)).toBeCloseTo(300.2, 6); // two are not enough
    phase.observe(210.69, 210.71);
    expect(phase.tickAtOrBefore(300.9)).toBeCloseTo(300.7, 6);
  });

  it('keeps the model through a busy stretch of updates that all land late by the same amount', () => {
    const phase = new TickPhase(1, 0.2);
    for (let k = 100; k < 160; k += 3) phase.observe(k + 0.59, k + 0.61); // 60 ms of edges 0.4 ms late
    expect(phase.ready).toBe(true);
    expect(phase.tickAtOrBefore(300.9)).toBeCloseTo(300.2, 6);
  });

  it('sets aside one edge off the model (an update that landed late), and off edges that disagree with each other', () => {
    const phase = new TickPhase(1, 0.2);
    phase.observe(100.58, 100.6); // 0.4 ms late
    phase.observe(101.19, 101.21); // on the model: the run of off edges ends
    phase.observe(102.58, 102.6);
    phase.observe(103.89, 103.91); // off, but not with the one before
    phase.observe(104.59, 104.61);
    expect(phase.ready).toBe(true);
    expect(phase.tickAtOrBefore(200.9)).toBeCloseTo(200.2, 6);
  });
});

describe('TickPhase trust', () => {
  it('keeps a seeded model through one contrary edge; three that agree replace it, confirmed (three edges)', () => {
    const phase = new TickPhase(1, 0.2);
    expect(phase.ready).toBe(true);
    phase.observe(100.69, 100.71); // half a period off the seeded phase
    expect(phase.ready).toBe(true);
    expect(phase.tickAtOrBefore(100.9)).toBeCloseTo(100.2, 6);
    phase.observe(350.69, 350.71);
    phase.observe(600.69, 600.71);
    expect(phase.ready).toBe(true);
    expect(phase.tickAtOrBefore(700.9)).toBeCloseTo(700.7, 6);
  });

  it('is not ready without a seed until three edges agree', () => {
    const phase = new TickPhase(1);
    expect(phase.ready).toBe(false);
    phase.observe(10.69, 10.71);
    phase.observe(20.69, 20.71);
    expect(phase.ready).toBe(false);
    phase.observe(30.69, 30.71);
    expect(phase.ready).toBe(true);
    expect(phase.tickAtOrBefore(40.9)).toBeCloseTo(40.7, 6);
  });
});

describe('TickEdgeCatcher', () => {
  it('reads just before and just after a tick that is due, and learns from it', () => {
    let t = 1000.97; // 30 µs before the tick at 1001.0
    const now = (): number => (t += 0.001);
    const counter = (): number => Math.floor(t);
    const catcher = new TickEdgeCatcher(1, 0, 0.001);
    const edge = catcher.maybeCatch(t, counter, now);
    expect(edge).toBeDefined();
    const [before, after] = edge!;
    expect(before.value).toBe(1000);
    expect(after.value).toBe(1001);
    expect(before.timeMs).toBeLessThan(1001);
    expect(after.timeMs).toBeGreaterThanOrEqual(1001);
    expect(after.timeMs - before.timeMs).toBeLessThan(0.01);
  });

  it('does nothing when no tick is due soon, or right after a catch', () => {
    let t = 1000.5;
    const now = (): number => (t += 0.001);
    const counter = (): number => Math.floor(t);
    const catcher = new TickEdgeCatcher(1, 0, 0.001);
    expect(catcher.maybeCatch(t, counter, now)).toBeUndefined();
    t = 1001.98;
    expect(catcher.maybeCatch(t, counter, now)).toBeDefined();
    t = 1002.98;
    expect(catcher.maybeCatch(t, counter, now)).toBeUndefined();
  });

  it('catches every 20 ms until its model has ten edges, then every 250 ms', () => {
    let t = 0;
    const now = (): number => (t += 0.001);
    const counter = (): number => Math.floor(t);
    const catcher = new TickEdgeCatcher(1, 0, 0.001);
    const caughtAt = (at: number): boolean => {
      t = at;
      return catcher.maybeCatch(t, counter, now) !== undefined;
    };
    for (let k = 1; k <= 10; k++) expect(caughtAt(1000 + 20 * k - 0.02)).toBe(true);
    expect(caughtAt(1000 + 20 * 11 - 0.02)).toBe(false);
    expect(caughtAt(1000 + 20 * 10 + 250 - 0.02)).toBe(true);
  });

  it('gives up, bounded, when the counter does not move at the tick (0 W)', () => {
    let t = 1000.97;
    const now = (): number => (t += 0.001);
    const catcher = new TickEdgeCatcher(1, 0, 0.001);
    expect(catcher.maybeCatch(t, () => 7, now)).toBeUndefined();
    expect(t).toBeLessThan(1001.2);
  });

  it('after a read, says whether it returned clear of the next tick (else its value may be that tick\'s)', () => {
    const catcher = new TickEdgeCatcher(1, 0, 0.001);
    expect(catcher.returnedClear(1000.5, 1000.6)).toBe(true);
    // Held up inside the call: it ended within the guard before the tick at 1001, or past it.
    expect(catcher.returnedClear(1000.9, 1000.97)).toBe(false);
    expect(catcher.returnedClear(1000.9, 1001.02)).toBe(false);
    // Started just after a tick (a stalled call made again at once): the update may not have landed.
    expect(catcher.returnedClear(1001.05, 1001.06)).toBe(false);
    expect(new TickEdgeCatcher(1, NaN, 0.001).returnedClear(1000.9, 1001.02)).toBe(true);
  });

  it('before a read, waits out a tick just behind (the update may be on its way) or just ahead', () => {
    for (const tickFromNow of [-0.1, 0.02]) {
      const t0 = performance.now();
      const tick = t0 + tickFromNow;
      const catcher = new TickEdgeCatcher(1, tick, 0.001);
      catcher.waitClearOfTick(() => performance.now());
      // Half a period past the tick at least: a read there shows that tick's value, whatever came late.
      expect(performance.now() - tick).toBeGreaterThanOrEqual(0.5);
    }
  });
});

/**
 * Shows `phase` an edge at each tick k of a 1 ms counter (from `from` to `to` by `step`), seen ±`halfWindowMs` around
 * when its update landed (lateUpdates(seed) after the tick); returns how far, at worst, the tick it put there before
 * each edge was from the tick itself, over ticks past `scoredAfter`.
 */
function worstBeforeEdges(
  phase: TickPhase,
  ticks: { from: number; to: number; step: number; scoredAfter?: number },
  seed: number,
  halfWindowMs: number,
): number {
  const jitter = lateUpdates(seed);
  let worst = 0;
  for (let k = ticks.from; k <= ticks.to; k += ticks.step) {
    // Where the model puts the tick about to be seen, before the edge is shown to it.
    const predicted = phase.tickAtOrBefore(k + 0.5) - k;
    if (k > (ticks.scoredAfter ?? -Infinity)) worst = Math.max(worst, Math.abs(predicted));
    const seen = k + jitter();
    phase.observe(seen - halfWindowMs, seen + halfWindowMs);
  }
  return worst;
}

/** When a counter's update lands after its tick, ms: 20–100 µs, and one time in twenty up to 240 µs (seeded). */
function lateUpdates(seed: number): () => number {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const u = state / 2 ** 32;
    return u < 0.95 ? 0.02 + 0.08 * (u / 0.95) : 0.1 + 0.14 * ((u - 0.95) / 0.05);
  };
}
