import type { EnergySourceName } from './source.js';

/**
 * Energy settings as plain data, so they can be posted to the sampler's worker thread. Built from the environment by
 * {@link energyConfigFromEnv}; every field has a default.
 */
export interface EnergyConfig {
  /** `auto` (every source present), `none`, or the sources to open, in order. */
  readonly sources: 'auto' | 'none' | readonly EnergySourceName[];
  /** Path of libnvidia-ml (OPENJOULES_NVML_LIBRARY); default: the system's libnvidia-ml.so.1. */
  readonly nvmlLibrary?: string;
  /** Path of librocm_smi64 (OPENJOULES_ROCM_LIBRARY); default: the usual names and /opt/rocm/lib. */
  readonly rocmLibrary?: string;
  /** The powermetrics command line (OPENJOULES_POWERMETRICS); default: `powermetrics`, through `sudo -n` when not root. */
  readonly powermetricsCommand?: string;
  /** Root of the powercap tree (OPENJOULES_RAPL_ROOT); default `/sys/class/powercap`. */
  readonly raplRoot: string;
  /** Sampling period in ms (OPENJOULES_SAMPLE_INTERVAL_MS); default {@link DEFAULT_SAMPLE_INTERVAL_MS}. */
  readonly sampleIntervalMs: number;
  /**
   * Least time between two extra readings asked for at span and bracket edges, ms (OPENJOULES_EDGE_READ_GAP_MS);
   * 0 turns them off; default {@link DEFAULT_EDGE_READ_GAP_MS}. See EnergyTimeline.requestReading.
   */
  readonly edgeReadGapMs?: number;
  /**
   * CPU TDP in watts for the opt-in `estimate` source (OPENJOULES_CPU_TDP_WATTS); default: looked up by CPU model,
   * else 85 W.
   */
  readonly cpuTdpWatts?: number;
}

const KNOWN_SOURCES: readonly EnergySourceName[] = ['nvml', 'rocm_smi', 'powermetrics', 'rapl', 'estimate', 'simulated'];

/**
 * Default sampling period, ms: twenty samples per NVML counter tick, four per 20 ms ROCm accumulator tick. Reading at
 * 5 ms rather than 10 cuts the median per-span error 3–10× and the worst case at two NVML ticks from 3% to 0.5%
 * (bench/energy/accuracy-e2e.ts --interval 10,5); the sampler's worker costs about what it cost at 10 ms before its
 * read path stopped allocating (bench/energy/sampling-cost.ts).
 */
export const DEFAULT_SAMPLE_INTERVAL_MS = 5;

/**
 * Default least gap between two edge readings, ms: at most a thousand extra wakes of the sampler's thread a second,
 * however many spans start and end; one per tick of the fastest counters (RAPL, a 1 ms ROCm accumulator).
 */
export const DEFAULT_EDGE_READ_GAP_MS = 1;

/**
 * Reads OPENJOULES_ENERGY_SOURCES, OPENJOULES_NVML_LIBRARY, OPENJOULES_ROCM_LIBRARY, OPENJOULES_POWERMETRICS,
 * OPENJOULES_RAPL_ROOT, OPENJOULES_SAMPLE_INTERVAL_MS, OPENJOULES_EDGE_READ_GAP_MS and OPENJOULES_CPU_TDP_WATTS. Never throws: a bad value is
 * reported through `warn` (one line) and the default is used.
 */
export function energyConfigFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  warn: (message: string) => void = () => {},
): EnergyConfig {
  return {
    sources: parseSources(env.OPENJOULES_ENERGY_SOURCES, warn),
    nvmlLibrary: nonEmpty(env.OPENJOULES_NVML_LIBRARY),
    rocmLibrary: nonEmpty(env.OPENJOULES_ROCM_LIBRARY),
    powermetricsCommand: nonEmpty(env.OPENJOULES_POWERMETRICS),
    raplRoot: nonEmpty(env.OPENJOULES_RAPL_ROOT) ?? '/sys/class/powercap',
    sampleIntervalMs: parseInterval(env.OPENJOULES_SAMPLE_INTERVAL_MS, warn),
    edgeReadGapMs: parseEdgeGap(env.OPENJOULES_EDGE_READ_GAP_MS, warn),
    cpuTdpWatts: parseTdp(env.OPENJOULES_CPU_TDP_WATTS, warn),
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function parseSources(value: string | undefined, warn: (message: string) => void): EnergyConfig['sources'] {
  const text = nonEmpty(value)?.toLowerCase();
  if (!text || text === 'auto') return 'auto';
  if (text === 'none') return 'none';
  const names: EnergySourceName[] = [];
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    if ((KNOWN_SOURCES as readonly string[]).includes(part)) names.push(part as EnergySourceName);
    else warn(`OPENJOULES_ENERGY_SOURCES: unknown source "${part}" ignored (known: auto, none, ${KNOWN_SOURCES.join(', ')})`);
  }
  return names;
}

function parseInterval(value: string | undefined, warn: (message: string) => void): number {
  return parseMs('OPENJOULES_SAMPLE_INTERVAL_MS', value, 1, '1', DEFAULT_SAMPLE_INTERVAL_MS, warn);
}

function parseEdgeGap(value: string | undefined, warn: (message: string) => void): number {
  return parseMs('OPENJOULES_EDGE_READ_GAP_MS', value, 0, '0 (off)', DEFAULT_EDGE_READ_GAP_MS, warn);
}

/** A number of ms from `min` to 60 s in variable `name`; unset gives `fallback`, a bad value one line and `fallback`. */
function parseMs(name: string, value: string | undefined, min: number, minText: string, fallback: number, warn: (message: string) => void): number {
  const text = nonEmpty(value);
  if (!text) return fallback;
  const ms = Number(text);
  if (Number.isFinite(ms) && ms >= min && ms <= 60_000) return ms;
  warn(`${name}: "${text}" is not a number of ms between ${minText} and 60000; using ${fallback}`);
  return fallback;
}

function parseTdp(value: string | undefined, warn: (message: string) => void): number | undefined {
  const text = nonEmpty(value);
  if (!text) return undefined;
  const watts = Number(text);
  if (Number.isFinite(watts) && watts > 0 && watts <= 2000) return watts;
  warn(`OPENJOULES_CPU_TDP_WATTS: "${text}" is not a number of watts between 0 and 2000; using the CPU model's TDP`);
  return undefined;
}
