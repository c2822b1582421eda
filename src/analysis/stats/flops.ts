/**
 * The seed's FLOP estimates and Model FLOPs Utilization (OpenJarvis `telemetry/flops.py`), with its peak BF16 table.
 * GPU names match on whole words of the driver's name (gpu-specs.ts), where the seed matched substrings and took an
 * "NVIDIA L40S" for an L4; a GPU missing from the seed's table falls back to GPU_SPECS' dense FP16 peak.
 */
import { modelParamsB } from './efficiency.js';
import { lookupGpuSpec, normalizeGpuName } from './gpu-specs.js';

/** The seed's `GPU_PEAK_TFLOPS_BF16`: peak BF16 TFLOPS per GPU, keys and values as the seed has them. */
export const GPU_PEAK_TFLOPS_BF16: Readonly<Record<string, number>> = Object.freeze({
  H100: 989,
  H200: 989,
  A100: 312,
  A10G: 31.2,
  L4: 30.3,
  L40: 181,
  L40S: 362,
  T4: 65.1,
  V100: 125,
  '4090': 82.6,
  '4080': 48.7,
  '3090': 35.6,
  'M3 Max': 14.2,
  'M3 Ultra': 27,
  'M4 Max': 18,
});

const PEAK_KEYS = Object.keys(GPU_PEAK_TFLOPS_BF16).map((key) => ({ key, normalized: normalizeGpuName(key) }));

/**
 * A GPU's peak TFLOPS for MFU: the seed's BF16 table (the key itself, else a key found as whole words in the driver's
 * name, e.g. "NVIDIA H100 80GB HBM3" → H100), else GPU_SPECS' FP16 figure (B200, MI300X, …); undefined when unknown.
 */
export function gpuPeakTflops(gpuName: string): number | undefined {
  const exact = GPU_PEAK_TFLOPS_BF16[gpuName];
  if (exact !== undefined) return exact;
  const name = normalizeGpuName(gpuName);
  const hit = PEAK_KEYS.find((k) => name.includes(k.normalized));
  if (hit) return GPU_PEAK_TFLOPS_BF16[hit.key];
  return lookupGpuSpec(gpuName)?.spec.tflops_fp16;
}

/**
 * The seed's `estimate_flops(model, input_tokens, output_tokens)`: the 2·P·T approximation, `[total_flops,
 * flops_per_token]` with P the model's parameters (modelParamsB: the seed's table, else the size in the name);
 * `[0, 0]` for an unknown model. qwen3:8b with 100 + 50 tokens gives [2.4e12, 16e9].
 */
export function estimateFlops(model: string, inputTokens: number, outputTokens: number): readonly [totalFlops: number, flopsPerToken: number] {
  const billions = modelParamsB(model);
  if (billions === undefined) return [0, 0];
  const perToken = 2 * billions * 1e9;
  return [perToken * (count(inputTokens) + count(outputTokens)), perToken];
}

/**
 * The seed's `estimate_flops_no_kv_cache`: every token recomputes the whole prefix, P·N·(N+1) for N = input + output
 * tokens, and that total / N per token; `[0, 0]` for an unknown model or no tokens.
 */
export function estimateFlopsNoKvCache(model: string, inputTokens: number, outputTokens: number): readonly [totalFlops: number, flopsPerToken: number] {
  const billions = modelParamsB(model);
  const n = count(inputTokens) + count(outputTokens);
  if (billions === undefined || n === 0) return [0, 0];
  const total = billions * 1e9 * n * (n + 1);
  return [total, total / n];
}

/**
 * The seed's `compute_mfu(flops, duration_s, gpu_name, num_gpus=1)`: achieved TFLOP/s over the GPUs' peak
 * ({@link gpuPeakTflops}), in percent; 0 for an unknown GPU or a duration ≤ 0. 100e12 FLOPs in 1 s on an H100 give
 * 100 / 989 × 100 ≈ 10.11 %.
 */
export function computeMfu(flops: number, durationS: number, gpuName: string, numGpus = 1): number {
  const peak = gpuPeakTflops(gpuName);
  if (peak === undefined || !(durationS > 0) || !(numGpus > 0)) return 0;
  return (flops / (durationS * 1e12) / (peak * numGpus)) * 100;
}

function count(tokens: number): number {
  return Number.isFinite(tokens) && tokens > 0 ? tokens : 0;
}
