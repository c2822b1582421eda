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

  it('ignores windows as wide as half a period or more: they say nothing about the phase', () => {
    const phase = new TickPhase(1, 0.2);
    phase.observe(9.6, 10.4);
    expect(phase.tickAtOrBefore(10.5)).toBeCloseTo(10.2, 9);
  });

  it('starts over when an edge is a quarter period or more off (the counter clock jumped)', () => {
    const phase = new TickPhase(1, 0.2);
    phase.observe(100.69, 100.71);
    expect(phase.tickAtOrBefore(200.9)).toBeCloseTo(200.7, 6);
  });
});

describe('TickPhase trust', () => {
  it('withdraws trust from a model an edge contradicts, until three edges agree again', () => {
    const phase = new TickPhase(1, 0.2);
    expect(phase.ready).toBe(true);
    phase.observe(100.69, 100.71); // half a period off the seeded phase
    expect(phase.ready).toBe(false);
    phase.observe(350.69, 350.71);
    phase.observe(600.69, 600.71);
    expect(phase.ready).toBe(true);
    expect(phase.tickAtOrBefore(700.9)).toBeCloseTo(700.7, 6);
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

  it('gives up, bounded, when the counter does not move at the tick (0 W)', () => {
    let t = 1000.97;
    const now = (): number => (t += 0.001);
    const catcher = new TickEdgeCatcher(1, 0, 0.001);
    expect(catcher.maybeCatch(t, () => 7, now)).toBeUndefined();
    expect(t).toBeLessThan(1001.2);
  });
});
