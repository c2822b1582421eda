// The seed's formulas with its own test vectors (OpenJarvis tests/telemetry), plus real driver GPU names.
import { describe, expect, it } from 'vitest';
import { computeEfficiency, modelParamsB } from '../../src/analysis/stats/efficiency.js';
import { GPU_SPECS, gpuFromDevices, lookupGpuSpec, parseEnergyDevice, SEED_GPU_SPEC_KEYS } from '../../src/analysis/stats/gpu-specs.js';
import { computeItlStats } from '../../src/analysis/stats/itl.js';
import { computeItlGapStats, itlFromTimestamps, percentile } from '../../src/analysis/stats/percentile.js';
import { SteadyStateDetector } from '../../src/analysis/stats/steady-state.js';

describe('percentile and ITL (seed vectors)', () => {
  it('_percentile', () => {
    expect(percentile([1, 2, 3, 4, 5], 0.5)).toBe(3);
    expect(percentile(Array.from({ length: 100 }, (_, i) => i + 1), 0.9)).toBeCloseTo(90.1, 10);
    expect(percentile([10, 20], 0.5)).toBe(15);
    expect(percentile([], 0.5)).toBe(0);
    expect(percentile([5, 1, 3], 1)).toBe(5);
  });

  it('_compute_itl_stats([10, 20, 30, 40, 50]) (the stored per-call ITL, from gaps)', () => {
    const s = computeItlGapStats([10, 20, 30, 40, 50]);
    expect(s.mean_ms).toBe(30);
    expect(s.median_ms).toBe(30);
    expect(s.p90_ms).toBeCloseTo(46, 10);
    expect(s.p95_ms).toBeCloseTo(48, 10);
    expect(s.p99_ms).toBeCloseTo(49.6, 10);
    expect(s.std_ms).toBeCloseTo(Math.sqrt(250), 10);
    expect(computeItlGapStats([])).toEqual({ mean_ms: 0, median_ms: 0, p90_ms: 0, p95_ms: 0, p99_ms: 0, std_ms: 0 });
    expect(computeItlGapStats([7]).std_ms).toBe(0);
  });

  it('ITL from token times: [0, 1, 3, 6, 10] gives gaps 1..4, mean 2.5, median 2.5', () => {
    const gaps = itlFromTimestamps([10, 0, 3, 1, 6]);
    expect(gaps).toEqual([1, 2, 3, 4]);
    expect(computeItlGapStats(gaps)).toMatchObject({ mean_ms: 2.5, median_ms: 2.5 });
    expect(computeItlGapStats(itlFromTimestamps(Array.from({ length: 11 }, (_, i) => i * 5)))).toMatchObject({ mean_ms: 5, p99_ms: 5 });
  });

  // Vectors of compute_itl_stats(token_timestamps) (OpenJarvis itl.py, seeds-spec §2.8), produced by running the
  // spec's Python in python3 here: gaps ts[i] - ts[i-1], the seed's _percentile (k = (n-1)p, f = int(k), c = f + 1,
  // data[-1] if c >= n), statistics.mean, min, max; all 0.0 below two timestamps. repr() of each value pasted.
  it.each([
    [[0, 10], { p50_ms: 10, p90_ms: 10, p95_ms: 10, p99_ms: 10, mean_ms: 10, min_ms: 10, max_ms: 10 }],
    [Array.from({ length: 11 }, (_, i) => i * 5), { p50_ms: 5, p90_ms: 5, p95_ms: 5, p99_ms: 5, mean_ms: 5, min_ms: 5, max_ms: 5 }],
    [[0, 1, 3, 6, 10], { p50_ms: 2.5, p90_ms: 3.7, p95_ms: 3.8499999999999996, p99_ms: 3.9699999999999998, mean_ms: 2.5, min_ms: 1, max_ms: 4 }],
    [[1000.0, 1012.5, 1013.0, 1040.25, 1041.0, 1090.0, 1091.5, 1140.0], { p50_ms: 12.5, p90_ms: 48.7, p95_ms: 48.85, p99_ms: 48.97, mean_ms: 20.0, min_ms: 0.5, max_ms: 49.0 }],
    [[7], { p50_ms: 0, p90_ms: 0, p95_ms: 0, p99_ms: 0, mean_ms: 0, min_ms: 0, max_ms: 0 }],
    [[], { p50_ms: 0, p90_ms: 0, p95_ms: 0, p99_ms: 0, mean_ms: 0, min_ms: 0, max_ms: 0 }],
  ])('compute_itl_stats(%j): token timestamps in, p50_ms … max_ms out', (timestamps, expected) => {
    const got = computeItlStats(timestamps);
    expect(Object.keys(got)).toEqual(['p50_ms', 'p90_ms', 'p95_ms', 'p99_ms', 'mean_ms', 'min_ms', 'max_ms']);
    for (const [key, value] of Object.entries(expected)) expect(got[key as keyof typeof got], key).toBe(value);
  });

  it('compute_itl_stats takes chunk times read back out of order in time order', () => {
    expect(computeItlStats([10, 0, 6, 1, 3])).toEqual(computeItlStats([0, 1, 3, 6, 10]));
  });
});

describe('SteadyStateDetector (seed vectors)', () => {
  it('warmup 2, window 3, min 1: 50, 60, 100, 101, 100 settles on the 5th call', () => {
    const d = new SteadyStateDetector({ warmupSamples: 2, windowSize: 3, minSteadySamples: 1 });
    expect([50, 60, 100, 101, 100].map((t) => d.record(t))).toEqual([false, false, false, false, true]);
    expect(d.record(5)).toBe(true); // stays reached
  });

  it('alternating 10 and 1000 with threshold 0.01 never settles', () => {
    const d = new SteadyStateDetector({ cvThreshold: 0.01 });
    for (let i = 0; i < 40; i++) expect(d.record(i % 2 === 0 ? 10 : 1000)).toBe(false);
  });

  it('warmup 3, window 2, min 1, 7 records: split 3 and 4; a zero-mean window resets', () => {
    const d = new SteadyStateDetector({ warmupSamples: 3, windowSize: 2, minSteadySamples: 1 });
    for (let i = 0; i < 7; i++) d.record(10 + i, i);
    const r = d.result();
    expect([r.warmup_samples, r.steady_state_samples, r.total_samples]).toEqual([3, 4, 7]);
    expect(r.warmup_energies).toEqual([0, 1, 2]);
    const z = new SteadyStateDetector({ warmupSamples: 0, windowSize: 2, minSteadySamples: 1 });
    expect([0, 0, 0].map((t) => z.record(t))).toEqual([false, false, false]);
    z.reset();
    expect(z.result().total_samples).toBe(0);
  });

  it('default config: 5 warmup, window 5, CV < 0.05 three times in a row', () => {
    const d = new SteadyStateDetector();
    const hits = [1, 2, 3, 4, 5, 100, 100, 100, 100, 100, 100, 100].map((t) => d.record(t));
    // Post-warmup windows of 5 exist from the 10th call; steady the 3rd time in a row: the 12th.
    expect(hits.indexOf(true)).toBe(11);
  });
});

describe('MFU, MBU, IPJ (compute_efficiency vectors)', () => {
  const a100 = { gpuPeakTflops: 312, gpuPeakBandwidthGbS: 2039 };
  it('7B at 100 tok/s on an A100', () => {
    const m = computeEfficiency({ paramCountB: 7, tokensPerSec: 100, ...a100 });
    expect(m.actual_flops).toBeCloseTo(1.4e12, 0);
    expect(m.mfu_pct).toBeCloseTo(0.4487, 4);
    expect(m.actual_bandwidth_gb_s).toBeCloseTo(1400, 9);
    expect(m.mbu_pct).toBeCloseTo(68.66, 2);
    const two = computeEfficiency({ paramCountB: 7, tokensPerSec: 100, numGpus: 2, ...a100 });
    expect(two.mfu_pct).toBeCloseTo(m.mfu_pct / 2, 12);
    expect(two.mbu_pct).toBeCloseTo(m.mbu_pct / 2, 12);
  });
  it('IPJ, MoE, INT4, 70B, zero peaks', () => {
    expect(computeEfficiency({ paramCountB: 7, tokensPerSec: 1, accuracy: 0.8, energyJoules: 50, ...a100 }).ipj).toBeCloseTo(0.016, 12);
    const moe = computeEfficiency({ paramCountB: 47, activeParamsB: 13, tokensPerSec: 50, ...a100 });
    expect(moe.actual_flops).toBeCloseTo(1.3e12, 0);
    expect(moe.actual_bandwidth_gb_s).toBeCloseTo(4700, 9);
    expect(computeEfficiency({ paramCountB: 7, tokensPerSec: 100, bytesPerParam: 0.5, ...a100 }).actual_bandwidth_gb_s).toBeCloseTo(350, 9);
    expect(computeEfficiency({ paramCountB: 70, tokensPerSec: 1, ...a100 }).actual_flops).toBe(140e9);
    expect(computeEfficiency({ paramCountB: 7, tokensPerSec: 1, gpuPeakTflops: 0, gpuPeakBandwidthGbS: 0 })).toMatchObject({ mfu_pct: 0, mbu_pct: 0, ipj: 0 });
  });
  it('model parameter counts', () => {
    expect(modelParamsB('qwen3:8b')).toBe(8);
    expect(modelParamsB('llama-3.1-8b-instruct')).toBe(8);
    expect(modelParamsB('qwen3:32b')).toBe(32); // the seed's prefix rule alone would say 8
    expect(modelParamsB('Qwen/Qwen2.5-72B-Instruct')).toBe(72);
    expect(modelParamsB('qwen3:0.6b')).toBe(0.6);
    expect(modelParamsB('mixtral-8x7b-instruct')).toBe(47);
    expect(modelParamsB('gpt-4o')).toBeUndefined();
  });
});

describe('GPU specs and real driver names', () => {
  it('keeps the seed keys and values', () => {
    expect(SEED_GPU_SPEC_KEYS).toHaveLength(20);
    expect(GPU_SPECS['A100-SXM']).toEqual({ tflops_fp16: 312, bandwidth_gb_s: 2039, tdp_watts: 400 });
    expect(Object.isFrozen(GPU_SPECS['H100-SXM'])).toBe(true);
  });

  it.each([
    ['A100-SXM', 'A100-SXM', 312],
    ['NVIDIA H100-SXM 80GB', 'H100-SXM', 990],
    ['nvidia rtx 4090', 'RTX 4090', 165],
    ['NVIDIA H100 80GB HBM3', 'H100-SXM', 990],
    ['NVIDIA H100 PCIe', 'H100-PCIE', 756],
    ['NVIDIA H100 NVL', 'H100-NVL', 835],
    ['NVIDIA H200', 'H200', 989],
    ['NVIDIA A100-SXM4-80GB', 'A100-SXM', 312],
    ['NVIDIA A100-SXM4-40GB', 'A100-SXM-40GB', 312],
    ['NVIDIA A100 80GB PCIe', 'A100-PCIE', 312],
    ['NVIDIA A100-PCIE-40GB', 'A100-PCIE-40GB', 312],
    ['NVIDIA L40S', 'L40S', 366],
    ['NVIDIA L4', 'L4', 121],
    ['NVIDIA A10', 'A10', 125],
    ['Tesla T4', 'T4', 65],
    ['NVIDIA GeForce RTX 4090', 'RTX 4090', 165],
    ['AMD Instinct MI300X', 'MI300X', 1307],
    ['AMD Instinct MI250X', 'MI250X', 383],
    ['Apple M4 Max', 'M4 Max', 53],
    ['NVIDIA B200', 'B200-SXM', 2250],
  ])('%s → %s', (name, key, tflops) => {
    expect(lookupGpuSpec(name)).toMatchObject({ key, spec: { tflops_fp16: tflops } });
  });

  it('does not take an A10G for an A10, nor an unknown part for anything', () => {
    expect(lookupGpuSpec('NVIDIA A10G')).toBeUndefined();
    expect(lookupGpuSpec('Unknown GPU')).toBeUndefined();
    expect(lookupGpuSpec('NVIDIA GH200 480GB')).toBeUndefined();
  });

  it('reads the GPU and its count from openjoules.energy.devices', () => {
    expect(parseEnergyDevice('nvml:0=NVIDIA H100 80GB HBM3 (counter)')).toEqual({ id: 'nvml:0', name: 'NVIDIA H100 80GB HBM3', method: 'counter' });
    expect(parseEnergyDevice('no-equals')).toBeUndefined();
    expect(
      gpuFromDevices(['rapl:intel-rapl:0=package-0 (counter)', 'nvml:0=NVIDIA A100-SXM4-80GB (counter)', 'nvml:1=NVIDIA A100-SXM4-80GB (counter)']),
    ).toEqual({ name: 'NVIDIA A100-SXM4-80GB', count: 2 });
    expect(gpuFromDevices(['rocm_smi:0=AMD Instinct MI300X (counter)'])).toEqual({ name: 'AMD Instinct MI300X', count: 1 });
    expect(gpuFromDevices(['rapl:x=package-0 (counter)'])).toBeUndefined();
  });
});
