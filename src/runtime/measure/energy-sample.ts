/**
 * The seed's `EnergySample` (OpenJarvis `telemetry/energy_monitor.py`): what the devices drew over one bracket, with the
 * GPUs' utilization, memory and temperature, in the seed's field names and units. Worked out from the energy timeline
 * (arithmetic over what the sampler read), so any number of brackets, nested or overlapping, cost no driver call.
 */
import { GpuGaugeReader } from '../energy/timeline/gpu-gauges.js';
import type { DeviceInfo, EnergyMethod, EnergySourceName } from '../energy/sources/source.js';
import type { EnergyTimeline } from '../energy/timeline/timeline.js';

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

const SEED_VENDOR: Record<EnergySourceName, string> = {
  nvml: 'nvidia',
  rocm_smi: 'amd',
  powermetrics: 'apple',
  rapl: 'cpu_rapl',
  estimate: 'estimate',
  simulated: 'simulated',
};

const GB = 2 ** 30;

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

/** The EnergySample of [t0, t1] (epoch ms, the timeline's clock) read off `timeline`. */
export function energySampleOf(timeline: EnergyTimeline, t0Ms: number, t1Ms: number): EnergySample {
  const seconds = Math.max(0, t1Ms - t0Ms) / 1000;
  const window = timeline.window(t0Ms, t1Ms);
  if (!window) return unmeasuredSample(seconds);
  const measuring: DeviceInfo[] = [];
  let peak = 0;
  let snapshots = 0;
  timeline.devices.forEach((device, d) => {
    if (timeline.joules(d, t0Ms, t1Ms) === undefined) return;
    measuring.push(device);
    if (t1Ms > t0Ms) peak += timeline.peakWatts(d, t0Ms, t1Ms) ?? 0;
    snapshots = Math.max(snapshots, timeline.gauges(d)?.readingsIn(t0Ms, t1Ms) ?? 0);
  });
  const mean = seconds > 0 ? window.joules / seconds : 0;
  const gauges = new GpuGaugeReader(timeline).read(t0Ms, t1Ms);
  const gpu = measuring.find((d) => d.hwType === 'gpu') ?? measuring[0];
  return {
    energy_joules: window.joules,
    mean_power_watts: mean,
    peak_power_watts: Math.max(peak, mean),
    duration_seconds: seconds,
    num_snapshots: snapshots,
    mean_utilization_pct: (gauges?.utilizationMean ?? 0) * 100,
    peak_utilization_pct: (gauges?.utilizationPeak ?? 0) * 100,
    mean_memory_used_gb: (gauges?.memoryUsedMeanBytes ?? 0) / GB,
    peak_memory_used_gb: (gauges?.memoryUsedPeakBytes ?? 0) / GB,
    mean_temperature_c: gauges?.temperatureMeanCelsius ?? 0,
    peak_temperature_c: gauges?.temperaturePeakCelsius ?? 0,
    vendor: window.sources.map((s) => SEED_VENDOR[s]).join(','),
    device_name: gpu?.name ?? '',
    device_count: measuring.length,
    energy_method: seedMethod(window.method, window.sources),
    cpu_energy_joules: window.components.cpu ?? 0,
    gpu_energy_joules: window.components.gpu ?? 0,
    dram_energy_joules: window.components.dram ?? 0,
    ane_energy_joules: window.components.ane ?? 0,
    measured: true,
    extrapolated: window.extrapolated,
    sources: window.sources,
  };
}

/** The seed's `energy_method` for ours: a RAPL counter is `rapl`, other counters `hw_counter`, integration `polling`. */
function seedMethod(method: EnergyMethod, sources: readonly EnergySourceName[]): string {
  if (method === 'counter') return sources.length === 1 && sources[0] === 'rapl' ? 'rapl' : 'hw_counter';
  return method === 'power_integration' ? 'polling' : 'estimate';
}
