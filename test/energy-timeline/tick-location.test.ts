// Where the timeline puts a counter's ticks between the reads that saw them: counters slower than the reads (NVML,
// a 20 ms ROCm accumulator) through the tick locator, counters faster than the reads (RAPL, a 1 ms accumulator) through
// their measured phase, and readings stamped at their own ticks (powermetrics).
import { describe, expect, it } from 'vitest';
import { DeviceTrack } from '../../src/runtime/energy/timeline/device-track.js';
import { RING_STRIDE } from '../../src/runtime/energy/timeline/ring.js';
import type { DeviceInfo } from '../../src/runtime/energy/sources/source.js';
import { TickLocator } from '../../src/runtime/energy/timeline/tick-locator.js';
import { lcg } from './drive.js';

const GPU: DeviceInfo = { id: 'x:0', name: 'x', vendor: 'x', hwType: 'gpu', component: 'gpu', source: 'simulated', method: 'counter' };

/** Feeds a track one reading (time, cumulative joules, instantaneous watts) laid out as in ring.ts. */
function feed(track: DeviceTrack, timeMs: number, joules: number, watts: number): void {
  const slot = new Float64Array(RING_STRIDE).fill(NaN);
  slot[0] = timeMs;
  slot[1] = joules;
  slot[2] = watts;
  track.ingest(slot, 0);
}

describe('TickLocator', () => {
  it('never narrows a window onto the wrong tick when two windows together span a period (20 ms ticks, ~10 ms reads)', () => {
    const period = 20;
    const phase = 7.1;
    const locator = new TickLocator(period);
    const random = lcg(3);
    let t = 0;
    let last = 0;
    let lastTick = -1;
    let located = 0;
    while (t < 20_000) {
      t += 8 + 4 * random(); // the sampler's ±20% dither around 10 ms
      const tick = Math.floor((t - phase) / period);
      if (tick !== lastTick && lastTick >= 0) {
        const trueTick = phase + tick * period;
        const window = locator.locate(last, t);
        expect(window.lo).toBeLessThanOrEqual(trueTick + 1e-9);
        expect(window.hi).toBeGreaterThanOrEqual(trueTick - 1e-9);
        located++;
      }
      lastTick = tick;
      last = t;
    }
    expect(located).toBeGreaterThan(900);
  });
});

describe('TickLocator narrowing', () => {
  it('pins 20 ms ticks read every ~10 ms to well under a millisecond within a second or two', () => {
    const period = 20;
    const phase = 3.3;
    const locator = new TickLocator(period);
    const random = lcg(11);
    let t = 0;
    let last = 0;
    let lastTick = -1;
    const widths: number[] = [];
    while (t < 10_000) {
      t += 8 + 4 * random();
      const tick = Math.floor((t - phase) / period);
      if (tick !== lastTick && lastTick >= 0) {
        const window = locator.locate(last, t);
        if (t > 2000) widths.push(window.hi - window.lo);
      }
      lastTick = tick;
      last = t;
    }
    expect(Math.max(...widths)).toBeLessThan(0.5);
  });
});

describe('DeviceTrack tick placement', () => {
  /** Errors of one-read-interval windows for a counter ticking every `periodMs` from `phaseMs`, read every ~10 ms at 300 W. */
  function windowErrors(info: DeviceInfo, periodMs: number, phaseMs: number): number[] {
    const track = new DeviceTrack(info, 4096);
    const watts = 300;
    const random = lcg(5);
    const reads: number[] = [];
    for (let t = 0; t < 5000; t += 8 + 4 * random()) {
      const lastTick = phaseMs + Math.floor((t - phaseMs) / periodMs) * periodMs;
      feed(track, t, (watts * lastTick) / 1000, watts);
      reads.push(t);
    }
    const errors: number[] = [];
    for (let i = 100; i < reads.length - 10; i++) {
      const a = reads[i]!;
      const b = reads[i + 1]!;
      const truth = (watts * (b - a)) / 1000;
      errors.push(Math.abs(track.energyAt(b) - track.energyAt(a) - truth) / truth);
    }
    return errors;
  }

  it('puts the ticks of a 1 ms counter read every ~10 ms where its measured phase says, not at the reads', () => {
    const info: DeviceInfo = { ...GPU, counterPeriodMs: 1, counterPeriodMeasured: true, counterPhaseMs: 0.37 };
    const errors = windowErrors(info, 1, 0.37);
    expect(Math.max(...errors)).toBeLessThan(1e-6);
  });

  it('solves for where the power stepped inside a sample interval when the counter is faster than the reads', () => {
    // The probe bounded the power's refresh by 3.4 ms (a power that held that long between changes): a bound, which
    // for a counter this fast does not stop the power shaping E(t).
    const info: DeviceInfo = { ...GPU, counterPeriodMs: 1, counterPeriodMeasured: true, counterPhaseMs: 0.5, powerRefreshMs: 3.4 };
    const track = new DeviceTrack(info, 4096);
    // 100 W, stepping to 300 W at 2004.3 ms; read every 10 ms.
    const watts = (t: number): number => (t < 2004.3 ? 100 : 300);
    const joules = (t: number): number => (t < 2004.3 ? 0.1 * t : 0.1 * 2004.3 + 0.3 * (t - 2004.3));
    for (let t = 0; t <= 4000; t += 10) feed(track, t, joules(Math.floor(t - 0.5) + 0.5), watts(t));
    // Within 5 mJ of 0.3 J and 1.14 J (the trapezoid alone is 0.19 J off): what is left is the sensor calibration
    // learnt over the ticks before, which this one step nudges.
    expect(track.energyAt(2004) - track.energyAt(2001)).toBeCloseTo(joules(2004) - joules(2001), 2);
    expect(track.energyAt(2008) - track.energyAt(2004)).toBeCloseTo(joules(2008) - joules(2004), 2);
  });

  it('anchors the value read just before a caught tick at the tick before it, where the model puts a tick just behind the read', () => {
    // Ticks at k + 0.5; each update lands 0–20 µs after its tick, so the edges the model learns from put its ticks
    // ~10 µs late, and a read just before a late update comes after the model's tick.
    const info: DeviceInfo = { ...GPU, counterPeriodMs: 1, counterPeriodMeasured: true, counterPhaseMs: 0.51 };
    const track = new DeviceTrack(info, 8192);
    const watts = 300;
    const tickBefore = (t: number): number => Math.floor(t - 0.5) + 0.5;
    const random = lcg(11);
    const reads: number[] = [];
    let n = 0;
    for (let t = 0; t < 8000; t += 8 + 4 * random()) {
      if (++n % 3 === 0) {
        // A catch: the last read before the update lands (the old value) and the first after it, 4 µs apart.
        const tick = tickBefore(t) + 1;
        const landed = tick + 0.02 * random();
        feed(track, landed - 0.002, (watts * (tick - 1)) / 1000, watts);
        feed(track, landed + 0.002, (watts * tick) / 1000, watts);
        t = landed + 0.002;
      } else {
        // Other reads are made clear of ticks, as the sources make them (tick-edge.ts).
        if (t - tickBefore(t) < 0.05 || tickBefore(t) + 1 - t < 0.05) t += 0.1;
        feed(track, t, (watts * tickBefore(t)) / 1000, watts);
      }
      reads.push(t);
    }
    // 10 ms windows anywhere (not only from read to read: a misplaced anchor shows most between reads).
    let worst = 0;
    for (let a = reads[100]!; a + 10 < reads[reads.length - 10]!; a += 0.37) {
      const truth = (watts * 10) / 1000;
      worst = Math.max(worst, Math.abs(track.energyAt(a + 10) - track.energyAt(a) - truth) / truth);
    }
    // Anchored at the model's tick just behind the read, the old value stood a whole tick late: up to ~10% off.
    expect(worst).toBeLessThan(0.01);
  });

  it('takes readings stamped at their own ticks (powermetrics) as exact at their time', () => {
    const info: DeviceInfo = { ...GPU, counterPeriodMs: 100, counterTimestamped: true };
    const track = new DeviceTrack(info, 1024);
    for (let k = 0; k <= 50; k++) feed(track, 100 * k, 10 * k * k, NaN);
    expect(track.energyAt(2000) - track.energyAt(1000)).toBeCloseTo(4000 - 1000, 9);
  });
});
