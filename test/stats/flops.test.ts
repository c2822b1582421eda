// The seed's FLOP estimates and MFU (OpenJarvis tests/telemetry/test_flops.py vectors), and where GPU names differ.
import { describe, expect, it } from 'vitest';
import { GPU_PEAK_TFLOPS_BF16, computeMfu, estimateFlops, estimateFlopsNoKvCache, gpuPeakTflops } from '../../src/analysis/stats/flops.js';

describe('estimateFlops (seed vectors)', () => {
  it('qwen3:8b with 100 + 50 tokens gives 2.4e12 FLOPs, 16e9 per token', () => {
    expect(estimateFlops('qwen3:8b', 100, 50)).toEqual([2.4e12, 16e9]);
  });
  it('"llama-3.1-8b-instruct" with 10 + 10 tokens gives 3.2e11', () => {
    expect(estimateFlops('llama-3.1-8b-instruct', 10, 10)[0]).toBe(3.2e11);
  });
  it('an unknown model gives [0, 0]', () => {
    expect(estimateFlops('mystery-model', 10, 10)).toEqual([0, 0]);
  });
  it('without a KV cache: 8e9 · 150 · 151', () => {
    const [total, perToken] = estimateFlopsNoKvCache('qwen3:8b', 100, 50);
    expect(total).toBe(8e9 * 150 * 151);
    expect(perToken).toBe(total / 150);
  });
});

describe('computeMfu (seed vectors)', () => {
  it('100e12 FLOPs in 1 s on an H100 give 100/989 · 100 %, half on two GPUs', () => {
    expect(computeMfu(100e12, 1, 'H100')).toBeCloseTo((100 / 989) * 100, 12);
    expect(computeMfu(100e12, 1, 'H100', 2)).toBeCloseTo((100 / 989) * 50, 12);
  });
  it('an unknown GPU or no duration gives 0', () => {
    expect(computeMfu(1e12, 1, 'Voodoo 2')).toBe(0);
    expect(computeMfu(1e12, 0, 'H100')).toBe(0);
  });
  it('reads GPU names as drivers report them, on whole words (the seed took an L40S for an L4)', () => {
    expect(gpuPeakTflops('NVIDIA H100 80GB HBM3')).toBe(989);
    expect(gpuPeakTflops('NVIDIA L40S')).toBe(362);
    expect(gpuPeakTflops('NVIDIA L4')).toBe(30.3);
    expect(gpuPeakTflops('NVIDIA A10G')).toBe(31.2);
    expect(gpuPeakTflops('NVIDIA A100-SXM4-80GB')).toBe(312);
    expect(gpuPeakTflops('NVIDIA GeForce RTX 4090')).toBe(82.6);
    expect(gpuPeakTflops('Apple M3 Max')).toBe(14.2);
    // Not in the seed's BF16 table: GPU_SPECS' dense FP16 figure.
    expect(gpuPeakTflops('AMD Instinct MI300X')).toBe(1307);
    expect(Object.keys(GPU_PEAK_TFLOPS_BF16)).toHaveLength(15);
  });
});
