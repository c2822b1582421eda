/**
 * The seed's `EnergySample` (OpenJarvis `telemetry/energy_monitor.py`): what the devices drew over one bracket, with the
 * GPUs' utilization, memory and temperature, in the seed's field names and units. Worked out from the energy timeline
 * (arithmetic over what the sampler read), so any number of brackets, nested or overlapping, cost no driver call.
 */
import type { EnergySourceName } from '../energy/sources/source.js';
import type { EnergyTimeline } from '../energy/timeline/timeline.js';
import { BracketTally } from './bracket-tally.js';

/**
 * The seed's EnergySample fields (0 or '' where nothing measured them, as in the seed), plus `measured`,
 * `extrapolated` and `sources`. Energies in J, powers in W, times in s, memory in GB of 2^30 bytes (the seed divides by
 * 1024**3), temperatures in °C, utilization in percent.
 */
export interface EnergySample {
  /** Everything the measured devices drew over the bracket: GPU + CPU + DRAM + ANE. */
  readonly energy_joules: number;
  /** energy_joules / duration_seconds. */
  readonly mean_power_watts: number;
  /** Highest power seen (instantaneous samples where the driver has them), summed over devices; at least the mean. */
  readonly peak_power_watts: number;
  readonly duration_seconds: number;
  /** Readings the sampler took in the bracket (of the device read most often). */
  readonly num_snapshots: number;
  /** GPU busy percent, mean over GPUs, time-weighted over the bracket. */
  readonly mean_utilization_pct: number;
  readonly peak_utilization_pct: number;
  /** GPU memory used, summed over GPUs. */
  readonly mean_memory_used_gb: number;
  readonly peak_memory_used_gb: number;
  /** GPU temperature, mean over GPUs. */
  readonly mean_temperature_c: number;
  readonly peak_temperature_c: number;
  /** The seed's EnergyVendor per source (`nvidia`, `amd`, `apple`, `cpu_rapl`; ours `estimate`, `simulated`), comma-separated. */
  readonly vendor: string;
  /** The first GPU's name as the driver reports it (else the first device's). */
  readonly device_name: string;
  /** Devices that measured the bracket. */
  readonly device_count: number;
  /** The seed's method names: `hw_counter`, `rapl`, `polling` (power integration), or `estimate`; the least exact. */
  readonly energy_method: string;
  readonly cpu_energy_joules: number;
  readonly gpu_energy_joules: number;
  readonly dram_energy_joules: number;
  readonly ane_energy_joules: number;
  /** Not in the seed: whether any device measured the bracket (false: every number is 0). */
  readonly measured: boolean;
  /** Not in the seed: whether part of the bracket lay beyond what the devices had reported (an extrapolation). */
  readonly extrapolated: boolean;
  /** Not in the seed: the openjoules sources (`energy.source` values) that measured it. */
  readonly sources: readonly EnergySourceName[];
}

/** An EnergySample for a bracket nothing measured (no device, or none with data then). */
export function unmeasuredSample(durationSeconds: number): EnergySample {
  return {
    energy_joules: 0,
    mean_power_watts: 0,
    peak_power_watts: 0,
    duration_seconds: durationSeconds,
    num_snapshots: 0,
    mean_utilization_pct: 0,
    peak_utilization_pct: 0,
    mean_memory_used_gb: 0,
    peak_memory_used_gb: 0,
    mean_temperature_c: 0,
    peak_temperature_c: 0,
    vendor: '',
    device_name: '',
    device_count: 0,
    energy_method: '',
    cpu_energy_joules: 0,
    gpu_energy_joules: 0,
    dram_energy_joules: 0,
    ane_energy_joules: 0,
    measured: false,
    extrapolated: false,
    sources: [],
  };
}

/**
 * The EnergySample of [t0, t1] (epoch ms, the timeline's clock) read off `timeline` in one window: right while the
 * window is still in the timeline's history; a longer bracket is read chunk by chunk as it runs ({@link BracketTally}).
 */
export function energySampleOf(timeline: EnergyTimeline, t0Ms: number, t1Ms: number): EnergySample {
  const tally = new BracketTally(timeline, t0Ms);
  tally.addUntil(t1Ms);
  return tally.sample() ?? unmeasuredSample(Math.max(0, t1Ms - t0Ms) / 1000);
}
