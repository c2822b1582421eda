/** The seed's `EfficiencyMetrics`: utilisation in percent, FLOP/s, GB/s, and intelligence per joule. */
export interface EfficiencyMetrics {
  readonly mfu_pct: number;
  readonly mbu_pct: number;
  /** FLOP/s the model did: 2 × active parameters × tokens/s. */
  readonly actual_flops: number;
  readonly peak_flops: number;
  readonly actual_bandwidth_gb_s: number;
  readonly peak_bandwidth_gb_s: number;
  /** Accuracy per joule; 0 when there is no energy. */
  readonly ipj: number;
}

/** Inputs of {@link computeEfficiency}, named as the seed's `compute_efficiency` arguments. */
export interface EfficiencyInput {
  /** Total parameters, in billions. */
  readonly paramCountB: number;
  /** Active parameters per token (MoE), in billions; default all. */
  readonly activeParamsB?: number;
  readonly gpuPeakTflops: number;
  readonly gpuPeakBandwidthGbS: number;
  readonly tokensPerSec: number;
  readonly numGpus?: number;
  readonly energyJoules?: number;
  readonly accuracy?: number;
  /** Bytes read per parameter per token: 2 for FP16/BF16, 0.5 for INT4. Default 2. */
  readonly bytesPerParam?: number;
}

/**
 * The seed's `compute_efficiency` (OpenJarvis `efficiency.py`): MFU from 2·active-params FLOPs per token, MBU from
 * reading all (total, even for MoE) weights once per token, IPJ = accuracy / energy. A 7B model at 100 tok/s on an
 * A100 (312 TFLOPS, 2039 GB/s) gives MFU ≈ 0.4487 % and MBU ≈ 68.66 %.
 */
export function computeEfficiency(input: EfficiencyInput): EfficiencyMetrics {
  const numGpus = input.numGpus ?? 1;
  const flopsPerToken = 2 * (input.activeParamsB ?? input.paramCountB) * 1e9;
  const bytesPerToken = input.paramCountB * 1e9 * (input.bytesPerParam ?? 2);
  const actualFlops = flopsPerToken * input.tokensPerSec;
  const actualBw = (bytesPerToken * input.tokensPerSec) / 1e9;
  const peakFlops = input.gpuPeakTflops * 1e12 * numGpus;
  const peakBw = input.gpuPeakBandwidthGbS * numGpus;
  const energy = input.energyJoules ?? 0;
  return {
    mfu_pct: peakFlops > 0 ? (actualFlops / peakFlops) * 100 : 0,
    mbu_pct: peakBw > 0 ? (actualBw / peakBw) * 100 : 0,
    actual_flops: actualFlops,
    peak_flops: peakFlops,
    actual_bandwidth_gb_s: actualBw,
    peak_bandwidth_gb_s: peakBw,
    ipj: energy > 0 ? (input.accuracy ?? 0) / energy : 0,
  };
}

/** The seed's `MODEL_PARAMS_B` (billions), with MoE totals. */
export const MODEL_PARAMS_B: Readonly<Record<string, number>> = Object.freeze({
  'qwen3:8b': 8,
  'qwen3:0.6b': 0.6,
  'qwen3:4b': 4,
  'llama-3.1-70b': 70,
  'llama-3.1-8b': 8,
  'mistral-7b': 7,
  'mixtral-8x7b': 47,
});

/**
 * A model's parameter count in billions: the seed's table entry, else a size in the name ("Qwen2.5-72B-Instruct"
 * → 72, "qwen3:0.6b" → 0.6, "llama-3.1-8b-instruct" → 8), else the seed's prefix rule (`model.startsWith(key
 * before ":")`). The size comes before the prefix rule, which would make "qwen3:32b" an 8B model. "8x7b" is not a
 * size (MoE totals are not the product). Undefined when unknown.
 */
export function modelParamsB(model: string): number | undefined {
  const exact = MODEL_PARAMS_B[model];
  if (exact !== undefined) return exact;
  const m = /\d+x\d+(\.\d+)?b/i.test(model) ? null : /(?:^|[^a-z0-9.])(\d+(?:\.\d+)?)b(?![a-z0-9])/i.exec(model);
  if (m) return Number(m[1]);
  for (const [key, value] of Object.entries(MODEL_PARAMS_B)) if (model.startsWith(key.split(':')[0]!)) return value;
  return undefined;
}
