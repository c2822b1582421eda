/**
 * Opens the energy sources a config asks for. `auto` opens every source present, in the order NVIDIA, AMD, Apple,
 * RAPL (a GPU and the CPU together); `none` opens nothing; a list opens exactly those. Never throws: every source
 * that did not open comes back with a one-line reason.
 *
 * Backends are imported on demand, so loading this module loads neither koffi nor the plist parser.
 */
import type { EnergyConfig } from './config.js';
import { reasonOf } from './errors.js';
import type { DetectionResult, EnergySource, EnergySourceName } from './source.js';

/** The order `auto` probes in. `estimate` is never automatic; `simulated` is built in code. */
export const AUTO_ORDER: readonly EnergySourceName[] = ['nvml', 'rocm_smi', 'powermetrics', 'rapl'];

type Unavailable = DetectionResult['unavailable'][number];

/** Detects and opens energy sources. Never rejects. */
export async function detectEnergySources(config: EnergyConfig): Promise<DetectionResult> {
  if (config.sources === 'none') return { sources: [], unavailable: [] };
  const auto = config.sources === 'auto';
  const wanted = auto ? AUTO_ORDER : dedupe(config.sources);
  const sources: EnergySource[] = [];
  const unavailable: Unavailable[] = [];
  for (const name of wanted) {
    const skip = auto ? autoSkipReason(name) : undefined;
    if (skip) {
      unavailable.push({ source: name, reason: skip });
      continue;
    }
    try {
      const source = await openSource(name, config);
      if (source) {
        // In the sampler's worker (or the CLI): polling for a moment here is off the span path.
        source.measureTiming?.();
        sources.push(source);
      }
    } catch (error) {
      unavailable.push({ source: name, reason: reasonOf(error) });
    }
  }
  if (auto) {
    unavailable.push({ source: 'estimate', reason: 'an estimate, not a measurement: opt in with OPENJOULES_ENERGY_SOURCES=estimate' });
  }
  return { sources, unavailable };
}

/** Opens one source by name; throws an EnergyError (or anything) with the reason when it cannot. */
async function openSource(name: EnergySourceName, config: EnergyConfig): Promise<EnergySource | undefined> {
  switch (name) {
    case 'nvml': {
      const { NvmlSource } = await import('./nvml.js');
      return NvmlSource.open(config);
    }
    case 'rocm_smi': {
      const { RocmSmiSource } = await import('./rocm-smi.js');
      return RocmSmiSource.open(config);
    }
    case 'powermetrics': {
      const { PowermetricsSource } = await import('./powermetrics.js');
      return PowermetricsSource.open(config);
    }
    case 'rapl': {
      const { RaplSource } = await import('./rapl.js');
      return RaplSource.open(config);
    }
    case 'estimate': {
      const { EstimateSource } = await import('./estimate.js');
      return EstimateSource.open(config);
    }
    case 'simulated':
      // ── simulated ── owned by src/runtime/energy/sources/simulated.ts: a SimulatedEnergySource needs a power profile, which only
      // code can give, so detection does not build one. Callers pass it to the sampler themselves.
      throw new Error('simulated sources are constructed in code');
    default:
      throw new Error(`unknown energy source "${String(name)}"`);
  }
}

/** Platform checks for `auto`, so a Linux host is not told about powermetrics' sudo and a Mac not about sysfs. */
function autoSkipReason(name: EnergySourceName): string | undefined {
  const platform = process.platform;
  if (name === 'powermetrics' && platform !== 'darwin') return `powermetrics is macOS only (this is ${platform})`;
  if (name === 'rapl' && platform !== 'linux') return `RAPL powercap is Linux only (this is ${platform})`;
  if ((name === 'nvml' || name === 'rocm_smi') && platform === 'darwin') return 'no NVIDIA/AMD driver on macOS';
  if (name === 'rocm_smi' && platform === 'win32') return 'ROCm SMI is Linux only';
  return undefined;
}

function dedupe(names: readonly EnergySourceName[]): EnergySourceName[] {
  return [...new Set(names)];
}
