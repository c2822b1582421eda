/**
 * The energy half of EcoLogits' LLM impact method (GenAI Impact, `ecologits/impacts/llm.py`, version 0.11.3), for
 * a request served by a hosted API: GPU energy from a regression on the model's active parameters per output token,
 * plus the server's share of its non-GPU power over the generation time, times the data centre's PUE. A parameter
 * count or PUE given as a range gives a range (lowest inputs → `minKWh`, highest → `maxKWh`), exactly as EcoLogits
 * combines them. Only energy: the rest of their model (GWP, water, embodied impacts) is theirs to publish.
 */

/** A quantity known only within bounds. */
export interface ValueRange {
  readonly min: number;
  readonly max: number;
}

/** What the estimate needs about one request. */
export interface RemoteRequest {
  /** Active parameters per token, in billions (dense models: all of them). */
  readonly activeParamsB: number | ValueRange;
  /** Total parameters, in billions (decides how many GPUs hold the model). */
  readonly totalParamsB: number | ValueRange;
  /** Tokens generated. */
  readonly outputTokens: number;
  /** The request's measured latency, in seconds (bounds the generation time). */
  readonly requestLatencyS: number;
  /** Power usage effectiveness of the provider's data centres. */
  readonly pue: number | ValueRange;
  /** The model's measured output tokens per second, when known (else the latency regression). */
  readonly tokensPerSecond?: number;
  /** The model's measured time to first token, in seconds, when known. */
  readonly timeToFirstTokenS?: number;
}

/** The estimate, in kWh (as EcoLogits reports it). */
export interface RemoteEnergyKWh {
  readonly minKWh: number;
  readonly maxKWh: number;
}

/** EcoLogits 0.11.3's constants (`ecologits/impacts/llm.py`). */
export const ECOLOGITS_CONSTANTS = {
  version: '0.11.3',
  quantizationBits: 16,
  gpuEnergyAlpha: 1.1665273170451914e-6,
  gpuEnergyBeta: -0.011205921025579175,
  gpuEnergyGamma: 4.052928146734005e-5,
  latencyAlpha: 0.0006785088094353663,
  latencyBeta: 0.0003119310311688259,
  latencyGamma: 0.019473717579473387,
  gpuMemoryGB: 80,
  serverGpus: 8,
  serverPowerKW: 1.2,
  batchSize: 64,
} as const;

const lo = (v: number | ValueRange): number => (typeof v === 'number' ? v : v.min);
const hi = (v: number | ValueRange): number => (typeof v === 'number' ? v : v.max);

/** Energy of one request at one set of inputs, kWh (EcoLogits' `request_energy` DAG). */
function requestEnergyKWh(request: RemoteRequest, activeB: number, totalB: number, pue: number): number {
  const c = ECOLOGITS_CONSTANTS;
  const tokens = request.outputTokens;
  const gpuEnergyPerTokenKWh = (c.gpuEnergyAlpha * Math.exp(c.gpuEnergyBeta * c.batchSize) * activeB + c.gpuEnergyGamma) / 1000;
  const gpuEnergyKWh = tokens * gpuEnergyPerTokenKWh;
  const latencyPerToken =
    request.tokensPerSecond === undefined ? c.latencyAlpha * activeB + c.latencyBeta * c.batchSize + c.latencyGamma : 1 / request.tokensPerSecond;
  const gpuLatencyS = tokens * latencyPerToken + (request.timeToFirstTokenS || 0);
  const generationLatencyS = request.requestLatencyS < gpuLatencyS ? request.requestLatencyS : gpuLatencyS;
  const requiredMemoryGB = (1.2 * totalB * c.quantizationBits) / 8;
  const gpus = 2 ** Math.ceil(Math.log2(Math.ceil(requiredMemoryGB / c.gpuMemoryGB)));
  const serverEnergyKWh = (generationLatencyS / 3600) * c.serverPowerKW * (gpus / c.serverGpus) * (1 / c.batchSize);
  return pue * (serverEnergyKWh + gpus * gpuEnergyKWh);
}

/** EcoLogits' estimate of one request's energy: the bounds, equal when every input is a single value. */
export function estimateRemoteEnergyKWh(request: RemoteRequest): RemoteEnergyKWh {
  return {
    minKWh: requestEnergyKWh(request, lo(request.activeParamsB), lo(request.totalParamsB), lo(request.pue)),
    maxKWh: requestEnergyKWh(request, hi(request.activeParamsB), hi(request.totalParamsB), hi(request.pue)),
  };
}
