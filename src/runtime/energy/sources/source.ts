/**
 * The one small interface every energy backend implements (NVML, ROCm SMI, powermetrics, RAPL, estimate, simulated).
 *
 * Units are converted once, inside each backend: everything crossing this interface is joules, watts, bytes,
 * degrees Celsius, a 0..1 fraction, and wall-clock time in epoch milliseconds
 * (`performance.timeOrigin + performance.now()`, the same clock OpenTelemetry span times use).
 */

import type { ProbeBudget } from './tick-probe.js';

/** Names of the energy sources, as written to `energy.source`. */
export type EnergySourceName = 'nvml' | 'rocm_smi' | 'powermetrics' | 'rapl' | 'estimate' | 'simulated';

/** How a device's energy is obtained, as written to `energy.method`. */
export type EnergyMethod = 'counter' | 'power_integration' | 'estimate';

/** Which `energy.<component>.joules` attribute a device's energy adds to. */
export type EnergyComponent = 'gpu' | 'cpu' | 'dram' | 'ane';

/** A device one source measures: a GPU, a CPU package, a DRAM zone, an SoC block. */
export interface DeviceInfo {
  /** Stable within the host, e.g. `nvml:0`, `rapl:intel-rapl:0`, `powermetrics:gpu`. Used as `hw.id`. */
  readonly id: string;
  /** Human-readable name as the driver reports it, e.g. `NVIDIA H100 80GB HBM3`. Used as `hw.name`. */
  readonly name: string;
  /** `hw.vendor`, e.g. `nvidia`, `amd`, `intel`, `apple`. */
  readonly vendor: string;
  /** `hw.type`: `gpu`, `cpu`, `memory` or `npu`. */
  readonly hwType: 'gpu' | 'cpu' | 'memory' | 'npu';
  /** The `energy.<component>.joules` bucket this device's energy belongs to. */
  readonly component: EnergyComponent;
  readonly source: EnergySourceName;
  readonly method: EnergyMethod;
  /** Device UUID where the driver has one (NVML, ROCm). */
  readonly uuid?: string;
  /**
   * Why the method is less than a counter, when it is (e.g. "nvmlDeviceGetTotalEnergyConsumption: NOT_SUPPORTED,
   * integrating nvmlDeviceGetPowerUsage"). Shown by `openjoules devices`.
   */
  readonly note?: string;
  /**
   * How often the hardware updates the energy counter, in ms, when known: measured at start-up where the source could
   * ({@link DeviceInfo.counterPeriodMeasured}), else the usual figure (NVML ≈ 100 ms, RAPL ≈ 1 ms; powermetrics: its
   * interval); 0 for a counter that moves at every read. The timeline uses it to know where a counter can have ticked.
   */
  readonly counterPeriodMs?: number;
  /**
   * The driver's energy counter at open, joules, where that counter is host-wide (NVML's
   * `nvmlDeviceGetTotalEnergyConsumption` counts from the driver's load, whoever reads it). Cumulative joules read from
   * this device plus this origin are the driver's own counter: every process on the host reads the same value at the
   * same instant, which is what lets spans of several processes share the device's joules (analysis/host-shares.ts).
   * Undefined for counters each reader starts from its own zero (integrated power, powermetrics, estimates).
   * For a counter that wraps ({@link DeviceInfo.counterWrapJoules}) it is the raw counter at open, in joules.
   */
  readonly counterOriginJoules?: number;
  /**
   * Where the host-wide raw counter wraps back to 0, joules (ROCm SMI: 2^32 counts × the counter resolution; RAPL:
   * `max_energy_range_uj`). Cumulative joules plus {@link DeviceInfo.counterOriginJoules} then agree with every other
   * process's only modulo this range: a process that opened after a wrap counts from a different multiple of it, which
   * the analysis works out (analysis/model/host-alignment.ts). Undefined for a counter that does not wrap (NVML).
   */
  readonly counterWrapJoules?: number;
  /** Whether {@link DeviceInfo.counterPeriodMs} was measured on this device at start-up (true) or assumed. */
  readonly counterPeriodMeasured?: boolean;
  /**
   * When measured: the time of one tick seen at start-up, epoch ms. With the period it says where every tick falls,
   * which matters for a counter that ticks faster than it is read (its reads alone cannot say).
   */
  readonly counterPhaseMs?: number;
  /**
   * The instantaneous power reading changed at most this often at start-up, ms: an upper bound on how often the driver
   * refreshes it (changes only come at refreshes); 0 when it moved at every call. Undefined when there is no
   * instantaneous reading or it did not move.
   */
  readonly powerRefreshMs?: number;
  /**
   * Each reading's time is the time its counter value refers to (powermetrics stamps the end of the interval the energy
   * was summed over), so there is no tick to locate between reads.
   */
  readonly counterTimestamped?: boolean;
}

/** One reading of one device. Every field but `deviceIndex` and `timeMs` is optional: backends fill what they have. */
export interface DeviceReading {
  /** Index into {@link EnergySource.devices}. */
  readonly deviceIndex: number;
  /**
   * When the values below were valid, epoch ms. For a source that reports whole intervals (powermetrics) this is the
   * end of the interval, not the time the reading was taken.
   */
  readonly timeMs: number;
  /**
   * Cumulative joules since the source was opened: monotonic, never negative, wraparound and resets already
   * handled by the backend. For `power_integration` devices the backend integrates itself.
   */
  readonly energyJoules?: number;
  /** Instantaneous power in watts, where the driver has it (NVML instant field, ROCm current socket power, RAPL never). */
  readonly powerWatts?: number;
  /** Averaged power in watts where that is all the driver has (NVML 1 s average on recent parts, ROCm average). */
  readonly averagePowerWatts?: number;
  /** 0..1 busy fraction. */
  readonly utilization?: number;
  readonly memoryUsedBytes?: number;
  readonly memoryTotalBytes?: number;
  readonly temperatureCelsius?: number;
  readonly powerLimitWatts?: number;
}

/**
 * An energy backend. Opening may throw; {@link detectEnergySources} turns that into a reason. `read` is synchronous
 * and cheap (one FFI call or one sysfs read per device) because it runs on the sampler's worker thread, never on
 * the span path.
 */
export interface EnergySource {
  readonly name: EnergySourceName;
  /** The devices found when the source was opened. */
  devices(): readonly DeviceInfo[];
  /**
   * Readings for every device that has something new. A device that fails (GPU lost) is left out and reported
   * through {@link EnergySource.faults}; the source keeps serving the others.
   */
  read(): DeviceReading[];
  /** One-line reasons for faults seen since the last call (e.g. "nvml:1: GPU_IS_LOST"), then cleared. */
  faults?(): string[];
  /** Releases the driver (nvmlShutdown, rsmi_shut_down, kills powermetrics). Idempotent. */
  close(): void;
  /**
   * Polls the readings back to back for a moment (at most `budget.maxMs`) to measure each device's counter tick period
   * and instantaneous-power refresh; {@link EnergySource.devices} then reports them. Blocks the calling thread, so it
   * runs off the span path: detection calls it, in the sampler's worker. Never throws.
   */
  measureTiming?(budget?: ProbeBudget): void;
  /**
   * True for a source fed through the event loop (powermetrics: a child process's output stream), so its sampler keeps
   * the loop turning; unset for sources read by synchronous calls (driver FFI, sysfs).
   */
  readonly needsEventLoop?: boolean;
}

/** What detection found: sources that opened, and a reason for every one that did not. */
export interface DetectionResult {
  readonly sources: EnergySource[];
  /** One entry per source that is absent or failed to open, e.g. `{ source: 'nvml', reason: 'libnvidia-ml.so.1: not found' }`. */
  readonly unavailable: ReadonlyArray<{ readonly source: EnergySourceName; readonly reason: string }>;
}
