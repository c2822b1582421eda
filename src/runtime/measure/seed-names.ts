/** The seed's (OpenJarvis) names for our sources and methods, as EnergySample's `vendor` and `energy_method` carry them. */
import type { EnergyMethod, EnergySourceName } from '../energy/sources/source.js';

/** The seed's EnergyVendor per source; ours (`estimate`, `simulated`) keep their own names. */
export const SEED_VENDOR: Record<EnergySourceName, string> = {
  nvml: 'nvidia',
  rocm_smi: 'amd',
  powermetrics: 'apple',
  rapl: 'cpu_rapl',
  estimate: 'estimate',
  simulated: 'simulated',
};

/** The seed's `energy_method` for ours: a RAPL counter is `rapl`, other counters `hw_counter`, integration `polling`. */
export function seedMethod(method: EnergyMethod, sources: readonly EnergySourceName[]): string {
  if (method === 'counter') return sources.length === 1 && sources[0] === 'rapl' ? 'rapl' : 'hw_counter';
  return method === 'power_integration' ? 'polling' : 'estimate';
}
