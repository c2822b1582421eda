/** The seed's `SteadyStateConfig` (OpenJarvis `steady_state.py`), with its defaults. */
export interface SteadyStateConfig {
  /** Calls always counted as warmup. Default 5. */
  readonly warmupSamples: number;
  /** Post-warmup calls in the sliding window. Default 5. */
  readonly windowSize: number;
  /** Coefficient of variation (sample stdev / mean) below which a window counts as steady. Default 0.05. */
  readonly cvThreshold: number;
  /** Consecutive steady windows needed. Default 3. */
  readonly minSteadySamples: number;
}

/** The seed's defaults: 5 warmup calls, windows of 5, steady below a 5% coefficient of variation for 3 windows in a row. */
export const DEFAULT_STEADY_STATE_CONFIG: SteadyStateConfig = { warmupSamples: 5, windowSize: 5, cvThreshold: 0.05, minSteadySamples: 3 };

/** The seed's `SteadyStateResult`. Throughputs in tokens/s, energies in joules. */
export interface SteadyStateResult {
  readonly total_samples: number;
  readonly warmup_samples: number;
  readonly steady_state_samples: number;
  readonly steady_state_reached: boolean;
  readonly warmup_throughputs: number[];
  readonly warmup_energies: number[];
  readonly steady_throughputs: number[];
  readonly steady_energies: number[];
}

/**
 * The seed's `SteadyStateDetector`: feed one call at a time; steady state is reached once the coefficient of
 * variation of the last `windowSize` post-warmup throughputs stays below `cvThreshold` for `minSteadySamples`
 * consecutive calls, and stays reached. Only throughput is used, as in the seed.
 */
export class SteadyStateDetector {
  private readonly _config: SteadyStateConfig;
  private _throughputs: number[] = [];
  private _energies: number[] = [];
  private _consecutive = 0;
  private _reached = false;

  constructor(config: Partial<SteadyStateConfig> = {}) {
    this._config = { ...DEFAULT_STEADY_STATE_CONFIG, ...config };
  }

  /** Records one call (throughput in tokens/s, energy in J); true once steady state has been reached. */
  record(throughput: number, energy = 0): boolean {
    this._throughputs.push(throughput);
    this._energies.push(energy);
    const { warmupSamples, windowSize, cvThreshold, minSteadySamples } = this._config;
    if (this._throughputs.length <= warmupSamples) return false;
    if (this._reached) return true;
    const post = this._throughputs.slice(warmupSamples);
    if (post.length < windowSize) return false;
    const w = post.slice(-windowSize);
    const mean = w.reduce((s, v) => s + v, 0) / w.length;
    if (mean === 0) {
      this._consecutive = 0;
      return false;
    }
    const std = w.length > 1 ? Math.sqrt(w.reduce((s, v) => s + (v - mean) ** 2, 0) / (w.length - 1)) : 0;
    if (std / mean < cvThreshold) this._consecutive++;
    else this._consecutive = 0;
    if (this._consecutive >= minSteadySamples) this._reached = true;
    return this._reached;
  }

  /** Whether steady state has been reached. */
  get reached(): boolean {
    return this._reached;
  }

  /** The warmup/steady split so far. */
  result(): SteadyStateResult {
    const n = this._throughputs.length;
    const warmup = Math.min(n, this._config.warmupSamples);
    return {
      total_samples: n,
      warmup_samples: warmup,
      steady_state_samples: n - warmup,
      steady_state_reached: this._reached,
      warmup_throughputs: this._throughputs.slice(0, warmup),
      warmup_energies: this._energies.slice(0, warmup),
      steady_throughputs: this._throughputs.slice(warmup),
      steady_energies: this._energies.slice(warmup),
    };
  }

  /** Forgets every call. */
  reset(): void {
    this._throughputs = [];
    this._energies = [];
    this._consecutive = 0;
    this._reached = false;
  }
}
