// measureEnergy and withEnergyBatch through the real path: the NVML C double (two GPUs at a constant power, gauges at
// their defaults) read by koffi in the sampler's worker, the timeline, and the seed's EnergySample / BatchMetrics.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEnergySampler, type EnergySampler } from '../../src/runtime/energy/sampler/sampler.js';
import { withEnergyBatch } from '../../src/runtime/measure/energy-batch.js';
import { measureEnergy } from '../../src/runtime/measure/measure-energy.js';
import { buildDouble } from '../energy/helpers/doubles.js';

const WATTS_PER_GPU = 150;
let sampler: EnergySampler;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  const control = join(mkdtempSync(join(tmpdir(), 'oj-measure-')), 'nvml.control');
  writeFileSync(control, `devices=2\ntick_ms=100\npower_mw=${WATTS_PER_GPU * 1000}\n`);
  process.env.OJ_NVML_DOUBLE_CONTROL = control;
  sampler = await startEnergySampler({ sources: ['nvml'], nvmlLibrary: buildDouble('nvml'), raplRoot: '/nonexistent', sampleIntervalMs: 10 });
  expect(sampler.status().devices).toHaveLength(2);
  await sleep(400); // past the counter's first ticks, where a tick is placed to within a sample
});
afterAll(() => sampler?.shutdown());

describe('measureEnergy', () => {
  it("returns fn's result and the seed's EnergySample of its run", async () => {
    const { result, sample } = await measureEnergy(async () => {
      await sleep(600);
      return 'done';
    }, { sampler });
    expect(result).toBe('done');
    const watts = 2 * WATTS_PER_GPU;
    expect(sample.duration_seconds).toBeGreaterThanOrEqual(0.59);
    expect(Math.abs(sample.energy_joules / (watts * sample.duration_seconds) - 1)).toBeLessThan(0.03);
    expect(sample.mean_power_watts).toBeCloseTo(sample.energy_joules / sample.duration_seconds, 9);
    expect(Math.abs(sample.peak_power_watts / watts - 1)).toBeLessThan(0.03);
    expect(sample.gpu_energy_joules).toBe(sample.energy_joules);
    // The double's gauges: 42 % busy, 3 GiB used and 55 °C on each GPU; memory is summed over the GPUs. Means are
    // time-weighted sums added chunk by chunk (a long bracket is read as it runs), so they agree to rounding.
    expect(sample.mean_utilization_pct).toBeCloseTo(42, 9);
    expect(sample.mean_memory_used_gb).toBeCloseTo(6, 9);
    expect(sample.mean_temperature_c).toBeCloseTo(55, 9);
    expect(sample).toMatchObject({
      peak_utilization_pct: 42,
      peak_memory_used_gb: 6,
      peak_temperature_c: 55,
      vendor: 'nvidia',
      device_name: 'NVIDIA Test Double 0',
      device_count: 2,
      energy_method: 'hw_counter',
      cpu_energy_joules: 0,
      dram_energy_joules: 0,
      ane_energy_joules: 0,
      measured: true,
      extrapolated: false,
      sources: ['nvml'],
    });
    // One reading every 10 ms, give or take a loaded host's late timer, and those asked for at the bracket's two edges
    // (each followed up once: EnergyTimeline.requestReading).
    expect(sample.num_snapshots).toBeGreaterThan(25);
    expect(sample.num_snapshots).toBeLessThanOrEqual(62 + 4);
  });

  it("passes fn's own error on, and a synchronous fn's value", async () => {
    await expect(measureEnergy(() => Promise.reject(new Error('boom')), { sampler })).rejects.toThrow('boom');
    await expect(measureEnergy(() => { throw new TypeError('sync boom'); }, { sampler })).rejects.toThrow('sync boom');
    expect((await measureEnergy(() => 7, { sampler })).result).toBe(7);
  });

  it('without an energy source: the result, and a sample that says nothing was measured', async () => {
    const { result, sample } = await measureEnergy(() => sleep(20).then(() => 1), { sampler: Promise.resolve(undefined) });
    expect(result).toBe(1);
    expect(sample).toMatchObject({ measured: false, energy_joules: 0, mean_power_watts: 0, num_snapshots: 0, vendor: '', device_count: 0 });
    expect(sample.duration_seconds).toBeGreaterThan(0.015);
  });
});

describe('withEnergyBatch', () => {
  it("divides the measured batch's energy per token and per request (the seed's EnergyBatch)", async () => {
    const { result, metrics, sample } = await withEnergyBatch(async (batch) => {
      for (let i = 0; i < 3; i++) {
        await sleep(150);
        batch.recordRequest(100, { promptTokens: 40 });
      }
      return batch.batchId;
    }, { sampler });
    expect(result).toBe(metrics.batch_id);
    expect(metrics.batch_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(sample?.measured).toBe(true);
    const energy = sample!.energy_joules;
    expect(Math.abs(energy / (2 * WATTS_PER_GPU * sample!.duration_seconds) - 1)).toBeLessThan(0.03);
    expect(metrics).toMatchObject({
      total_requests: 3,
      total_tokens: 300,
      total_energy_joules: energy,
      mean_power_watts: sample!.mean_power_watts,
      prefill_energy_joules: 0,
      decode_energy_joules: 0,
      per_request_energy: [0, 0, 0],
    });
    expect(metrics.energy_per_token_joules).toBeCloseTo(energy / 300, 12);
    expect(metrics.energy_per_request_joules).toBeCloseTo(energy / 3, 12);
    expect(metrics.mean_throughput_tok_per_sec).toBeCloseTo(300 / sample!.duration_seconds, 9);
  });

  it('keeps a batch id given, and 100 generated ids are unique', async () => {
    expect((await withEnergyBatch(() => undefined, { batchId: 'b-1', measure: false })).metrics.batch_id).toBe('b-1');
    const ids = await Promise.all(Array.from({ length: 100 }, () => withEnergyBatch(() => undefined, { measure: false })));
    expect(new Set(ids.map((r) => r.metrics.batch_id)).size).toBe(100);
  });
});
