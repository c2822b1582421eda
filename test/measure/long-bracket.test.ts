// Brackets longer than the timeline's history: a real timeline with a tiny history (32 points per device), fed by a
// SimulatedEnergySource with a known profile. Read in chunks as they run, they must still give the profile's energy,
// peak and gauge means; read in one window at the end (what measureEnergy did before), they cannot.
import { afterEach, describe, expect, it } from 'vitest';
import { nowEpochMs } from '../../src/runtime/energy/sources/clock.js';
import { SimulatedEnergySource, steppedPower, type SimulatedDeviceOptions } from '../../src/runtime/energy/sources/simulated.js';
import { startInProcessSampler, type InProcessSampler } from '../../src/runtime/energy/sampler/sampler.js';
import { checkpointInterval, MIN_CHECKPOINT_MS } from '../../src/runtime/measure/bracket-checkpoints.js';
import { BracketTally } from '../../src/runtime/measure/bracket-tally.js';
import { energySampleOf } from '../../src/runtime/measure/energy-sample.js';
import { withEnergyBatch } from '../../src/runtime/measure/energy-batch.js';
import { measureEnergy } from '../../src/runtime/measure/measure-energy.js';

const HISTORY = 32;
const GIB = 2 ** 30;
const STEP_MS = 250;
/** 100 W and 300 W in turn every 250 ms; busy 20 % and 80 % in step with it; 2 GiB used; 1 °C more every 100 ms. */
function device(originMs: number): SimulatedDeviceOptions {
  const high = (t: number) => Math.floor((t - originMs) / STEP_MS) % 2 === 1;
  return {
    power: steppedPower([100, 300], STEP_MS, originMs),
    counterPeriodMs: 0, // exact at every read: anchors and power samples span the same history
    utilization: (t) => (high(t) ? 0.8 : 0.2),
    memoryUsedBytes: () => 2 * GIB,
    temperatureCelsius: (t) => 40 + Math.floor((t - originMs) / 100),
  };
}

/** Time-weighted mean of the busy fraction over [t0, t1], exactly, and of the temperature. */
function truth(originMs: number, t0: number, t1: number): { utilization: number; temperature: number } {
  let u = 0;
  let c = 0;
  for (let t = t0; t < t1; ) {
    // Both gauges hold still within each 50 ms (the temperature steps every 100 ms, the busy fraction every 250 ms).
    const next = Math.min(t1, originMs + (Math.floor((t - originMs) / 50) + 1) * 50);
    u += (Math.floor((t - originMs) / STEP_MS) % 2 === 1 ? 0.8 : 0.2) * (next - t);
    c += (40 + Math.floor((t - originMs) / 100)) * (next - t);
    t = next;
  }
  return { utilization: u / (t1 - t0), temperature: c / (t1 - t0) };
}

let sampler: InProcessSampler | undefined;
afterEach(async () => {
  await sampler?.shutdown();
  sampler = undefined;
});

describe('BracketTally (a manual sampler on a simulated clock)', () => {
  /** A manual sampler on clock `now`, read every 10 ms from the origin up to `untilMs`. */
  function manual(historyCapacity: number): { source: SimulatedEnergySource; s: InProcessSampler; clock: { t: number } } {
    const clock = { t: 1_700_000_000_000 };
    const source = new SimulatedEnergySource({ devices: [device(clock.t)], now: () => clock.t, originMs: clock.t });
    const s = startInProcessSampler([source], { manual: true, historyCapacity });
    return { source, s, clock };
  }

  it('a bracket 30 times its history: the profile energy, peak, gauge means and readings, read chunk by chunk', () => {
    const { source, s, clock } = manual(HISTORY);
    sampler = s;
    const t0 = clock.t + 55;
    const tally = new BracketTally(s.timeline, t0);
    const t1 = t0 + 30 * HISTORY * 10;
    while (clock.t < t1 + 20) {
      clock.t += 10;
      s.sampleNow();
      if (clock.t % 100 === 0 && clock.t < t1) tally.addUntil(s.timeline.coveredUntilAll());
    }
    tally.addUntil(t1);
    expect(tally.chunks).toBeGreaterThan(90);
    const sample = tally.sample()!;
    const joules = source.trueJoules(0, t0, t1);
    expect(sample.duration_seconds).toBeCloseTo((t1 - t0) / 1000, 9);
    expect(Math.abs(sample.energy_joules / joules - 1)).toBeLessThan(0.01);
    expect(sample.mean_power_watts).toBeCloseTo(sample.energy_joules / sample.duration_seconds, 9);
    expect(sample.peak_power_watts).toBeCloseTo(300, 6);
    const expected = truth(source.originMs, t0, t1);
    expect(sample.mean_utilization_pct).toBeCloseTo(expected.utilization * 100, 0);
    expect(sample.peak_utilization_pct).toBeCloseTo(80, 9);
    expect(sample.mean_memory_used_gb).toBeCloseTo(2, 9);
    expect(sample.mean_temperature_c).toBeCloseTo(expected.temperature, 0);
    expect(sample.peak_temperature_c).toBe(40 + Math.floor((t1 - source.originMs) / 100));
    // 960 readings (every 10 ms); counts between gauge change points are interpolated, so give or take one.
    expect(Math.abs(sample.num_snapshots - 960)).toBeLessThanOrEqual(1);
    expect(sample).toMatchObject({ measured: true, extrapolated: false, energy_method: 'hw_counter', device_count: 1, sources: ['simulated'] });

    // The same bracket in one window at its end: the history has long lost its start.
    const once = energySampleOf(s.timeline, t0, t1);
    expect(once.extrapolated).toBe(true);
    expect(Math.abs(once.energy_joules / joules - 1)).toBeGreaterThan(0.05);
  });

  it('within the history, any chunking gives what one window gives', () => {
    const { s, clock } = manual(4096);
    sampler = s;
    const t0 = clock.t + 33;
    for (let i = 0; i < 200; i++) {
      clock.t += 10;
      s.sampleNow();
    }
    const t1 = t0 + 1700;
    const tally = new BracketTally(s.timeline, t0);
    for (const cut of [t0 + 120, t0 + 125.5, t0 + 600, t0 + 1234, t1]) tally.addUntil(cut);
    const chunked = tally.sample()!;
    const whole = energySampleOf(s.timeline, t0, t1);
    for (const [key, value] of Object.entries(whole)) {
      if (typeof value === 'number') expect(chunked[key as keyof typeof chunked], key).toBeCloseTo(value, 6);
      else expect(chunked[key as keyof typeof chunked], key).toEqual(value);
    }
  });
});

describe('measureEnergy past the history (a real sampler timer)', () => {
  it('checkpoints often enough for a tiny history, and measures a bracket 8 times its length', async () => {
    const originMs = nowEpochMs();
    const source = new SimulatedEnergySource({ devices: [device(originMs)] });
    sampler = startInProcessSampler([source], { sampleIntervalMs: 10, historyCapacity: HISTORY });
    await new Promise((resolve) => setTimeout(resolve, 400)); // the history fills
    expect(checkpointInterval(sampler.timeline)).toBeGreaterThanOrEqual(MIN_CHECKPOINT_MS);
    expect(checkpointInterval(sampler.timeline)).toBeLessThan(150);
    let from = 0;
    let to = 0;
    const { result, sample } = await measureEnergy(async () => {
      from = nowEpochMs();
      await new Promise((resolve) => setTimeout(resolve, 2500));
      to = nowEpochMs();
      return 'long';
    }, { sampler });
    expect(result).toBe('long');
    const joules = source.trueJoules(0, from, to);
    // The bracket starts a little before fn and ends a little after it: at most a few ms of 300 W.
    expect(Math.abs(sample.energy_joules / joules - 1)).toBeLessThan(0.01);
    expect(sample.peak_power_watts).toBeCloseTo(300, 6);
    const expected = truth(originMs, from, to);
    expect(Math.abs(sample.mean_utilization_pct - expected.utilization * 100)).toBeLessThan(2);
    expect(sample.peak_utilization_pct).toBeCloseTo(80, 9);
    expect(sample.mean_memory_used_gb).toBeCloseTo(2, 9);
    expect(Math.abs(sample.mean_temperature_c - expected.temperature)).toBeLessThan(0.5);
    expect(sample.extrapolated).toBe(false);
    // A reading about every 10 ms, give or take a loaded host's late timer; never closer than the dither's 8 ms.
    expect(sample.num_snapshots).toBeGreaterThan(120);
    expect(sample.num_snapshots).toBeLessThanOrEqual(Math.ceil((sample.duration_seconds * 1000) / 8) + 2);
  });

  it('withEnergyBatch gets the same chunked measurement', async () => {
    const originMs = nowEpochMs();
    const source = new SimulatedEnergySource({ devices: [device(originMs)] });
    sampler = startInProcessSampler([source], { sampleIntervalMs: 10, historyCapacity: HISTORY });
    await new Promise((resolve) => setTimeout(resolve, 400));
    let from = 0;
    let to = 0;
    const { metrics, sample } = await withEnergyBatch(async (batch) => {
      from = nowEpochMs();
      await new Promise((resolve) => setTimeout(resolve, 1500));
      batch.recordRequest(100);
      to = nowEpochMs();
    }, { sampler });
    expect(sample?.extrapolated).toBe(false);
    expect(Math.abs(metrics.total_energy_joules / source.trueJoules(0, from, to) - 1)).toBeLessThan(0.01);
  });
});
