/**
 * AMD GPUs through ROCm SMI: the energy accumulator (counts × counter_resolution µJ, with the driver's ns timestamp),
 * guarded against 32-bit wrap and backward jumps; power, busy percent, VRAM, temperature, power cap.
 *
 * The joules use the resolution the library reports (15.3 µJ, hard-coded in rocm_smi.cc); the kernel documents
 * 2^-16 J = 15.2588 µJ, so ROCm SMI (and we) read about 0.27 % high. We keep the library's figure so our numbers
 * match rocm-smi and amd-smi.
 */
import { nowEpochMs } from './clock.js';
import type { EnergyConfig } from './config.js';
import { NoDevicesError, driverCodeName, driverError, reasonOf } from './errors.js';
import { PowerIntegrator } from './power-integrator.js';
import {
  RSMI_AVERAGE_POWER,
  RSMI_MEM_TYPE_VRAM,
  RSMI_STATUS_NOT_SUPPORTED,
  RSMI_STATUS_SUCCESS,
  RSMI_TEMP_CURRENT,
  RSMI_TEMP_TYPE_EDGE,
  bindRocmSmi,
  type RocmSmiLibrary,
} from './rocm-smi-ffi.js';
import type { DeviceInfo, DeviceReading, EnergySource } from './source.js';
import { FAST_COUNTER_MAX_PERIOD_MS, TickEdgeCatcher } from './tick-edge.js';
import { DEFAULT_PROBE_BUDGET, measuredTiming, probeChannels, type ProbeBudget, type ProbeChannel } from './tick-probe.js';
import { stallThresholdMs, timedCall } from './timed-call.js';
import { CounterTracker } from './wraparound.js';
import { FaultLog } from './fault-log.js';
import { GAUGE_READ_PERIOD_MS } from './gauge-period.js';

/** gpu_metrics v1_0 had a 32-bit accumulator; later versions are 64-bit. */
const WRAP_32_BIT = 2 ** 32;
/** A ceiling on any one AMD GPU's power, to tell a 32-bit wrap from a reset. Above every Instinct part's TBP. */
const MAX_PLAUSIBLE_WATTS = 3000;

type PowerKind = 'socket' | 'power_get' | 'average' | 'none';

interface Slow {
  utilization?: number;
  memoryUsedBytes?: number;
  memoryTotalBytes?: number;
  temperatureCelsius?: number;
  powerLimitWatts?: number;
}

interface AmdGpu {
  readonly index: number;
  /** Replaced once by measureTiming with what was measured. */
  info: DeviceInfo;
  readonly powerKind: PowerKind;
  readonly tracker: CounterTracker;
  readonly integrator: PowerIntegrator;
  /** µJ per count, as last reported. */
  resolutionMicrojoules: number;
  lastTimestampNs: number;
  lastFault: string | undefined;
  slow: Slow;
  slowAtMs: number;
  /** For an accumulator faster than the sampler reads it: catches its ticks now and then (tick-edge.ts). */
  catcher: TickEdgeCatcher | undefined;
  /** A counter call slower than this (ms) is made again (timed-call.ts); from the probe's call time once measured. */
  stallMs: number;
}

/** An open ROCm SMI session; `rsmi_init` at open, the matching `rsmi_shut_down` at close (the library refcounts). */
export class RocmSmiSource implements EnergySource {
  readonly name = 'rocm_smi' as const;
  private readonly _rsmi: RocmSmiLibrary;
  private readonly _gpus: AmdGpu[];
  private _devices: DeviceInfo[];
  private readonly _faults: FaultLog;
  private _closed = false;
  private readonly _outCount: [number | bigint] = [0];
  private readonly _outResolution: [number] = [0];
  private readonly _outTimestamp: [number | bigint] = [0];
  private readonly _outPower: [number | bigint] = [0];
  private readonly _outType: [number] = [0];
  private readonly _outU32: [number] = [0];
  private readonly _outU64: [number | bigint] = [0];

  private constructor(rsmi: RocmSmiLibrary, gpus: AmdGpu[], faults: string[]) {
    this._rsmi = rsmi;
    this._gpus = gpus;
    this._devices = gpus.map((g) => g.info);
    this._faults = new FaultLog(faults);
  }

  /** Loads librocm_smi64, initialises it and probes every GPU. Throws an EnergyError when that fails. */
  static open(config: Pick<EnergyConfig, 'rocmLibrary'> = {}): RocmSmiSource {
    const rsmi = bindRocmSmi(config.rocmLibrary);
    const ret = rsmi.rsmi_init(0);
    if (ret !== RSMI_STATUS_SUCCESS) throw driverError('rocm_smi', 'rsmi_init', ret, statusString(rsmi, ret));
    try {
      const count: [number] = [0];
      const countRet = rsmi.rsmi_num_monitor_devices(count);
      if (countRet !== RSMI_STATUS_SUCCESS) throw driverError('rocm_smi', 'rsmi_num_monitor_devices', countRet);
      const faults: string[] = [];
      const source = new RocmSmiSource(rsmi, [], faults);
      const gpus: AmdGpu[] = [];
      for (let index = 0; index < count[0]; index++) {
        try {
          const gpu = source._probe(index);
          if (gpu) gpus.push(gpu);
        } catch (error) {
          faults.push(`rocm_smi:${index}: ${reasonOf(error)}`);
        }
      }
      if (gpus.length === 0) {
        throw new NoDevicesError('rocm_smi', `no AMD GPU can measure energy${faults.length ? `: ${faults.join('; ')}` : ''}`);
      }
      return new RocmSmiSource(rsmi, gpus, faults);
    } catch (error) {
      rsmi.rsmi_shut_down();
      throw error;
    }
  }

  devices(): readonly DeviceInfo[] {
    return this._devices;
  }

  read(): DeviceReading[] {
    if (this._closed) return [];
    const readings: DeviceReading[] = [];
    for (let i = 0; i < this._gpus.length; i++) {
      const gpu = this._gpus[i]!;
      // A tick due within moments is caught (read on both sides of it) first; the reading then follows it at once,
      // where it is clear of any tick. Otherwise the reading waits clear of the tick it would land on (tick-edge.ts).
      const caught = gpu.catcher ? this._catchEdge(i, gpu, gpu.catcher, readings) : false;
      const reading = this._read(i, gpu, !caught);
      if (reading) readings.push(reading);
    }
    return readings;
  }

  faults(): string[] {
    return this._faults.take();
  }

  close(): void {
    if (this._closed) return;
    this._closed = true;
    this._rsmi.rsmi_shut_down();
  }

  /**
   * Measures each GPU's accumulator tick (the firmware's metrics update, undocumented: ~1 ms on MI300 by AMD's
   * accounts, slower on older parts) and current-power refresh by polling them back to back.
   */
  measureTiming(budget: ProbeBudget = DEFAULT_PROBE_BUDGET): void {
    if (this._closed) return;
    const rsmi = this._rsmi;
    const counters: ProbeChannel[] = this._gpus.map((gpu) => () => {
      if (gpu.info.method !== 'counter') return undefined;
      const ret = rsmi.rsmi_dev_energy_count_get(gpu.index, this._outCount, this._outResolution, this._outTimestamp);
      return ret === RSMI_STATUS_SUCCESS ? Number(this._outCount[0]) : undefined;
    });
    const powers: ProbeChannel[] = this._gpus.map((gpu) => () => {
      const power = this._power(gpu);
      return power?.instant ? power.watts : undefined;
    });
    let timings;
    try {
      timings = probeChannels([...counters, ...powers], nowEpochMs, budget);
    } catch (error) {
      this._faults.add(`rocm_smi: timing probe failed: ${reasonOf(error)}`);
      return;
    }
    const n = this._gpus.length;
    this._gpus.forEach((gpu, i) => {
      const counter = timings[i];
      gpu.info = { ...gpu.info, ...measuredTiming(counter, timings[n + i]) };
      const { counterPeriodMs: period, counterPhaseMs: phase } = gpu.info;
      if (counter) gpu.stallMs = stallThresholdMs(counter.callMs, gpu.info.counterPeriodMeasured ? period : undefined);
      if (counter && gpu.info.counterPeriodMeasured && period! <= FAST_COUNTER_MAX_PERIOD_MS && phase !== undefined) {
        gpu.catcher = new TickEdgeCatcher(period!, phase, counter.callMs);
      }
    });
    this._devices = this._gpus.map((g) => g.info);
  }

  /** When the accumulator's next tick is due within moments, reads it on both sides of it; whether it did. */
  private _catchEdge(index: number, gpu: AmdGpu, catcher: TickEdgeCatcher, readings: DeviceReading[]): boolean {
    const edge = catcher.maybeCatch(nowEpochMs(), () => this._counterJoules(gpu), nowEpochMs);
    if (!edge) return false;
    for (const { timeMs, value } of edge) readings.push({ deviceIndex: index, timeMs, energyJoules: value });
    return true;
  }

  /** Reads the accumulator into the GPU's running total; its joules, or undefined when the call failed. */
  private _counterJoules(gpu: AmdGpu): number | undefined {
    const ret = this._rsmi.rsmi_dev_energy_count_get(gpu.index, this._outCount, this._outResolution, this._outTimestamp);
    if (ret !== RSMI_STATUS_SUCCESS) {
      this._faults.addFor(gpu, `${gpu.info.id}: ${driverCodeName('rocm_smi', ret)} (rsmi_dev_energy_count_get)`);
      return undefined;
    }
    const resolution = this._outResolution[0] > 0 ? this._outResolution[0] : gpu.resolutionMicrojoules;
    const timestampNs = Number(this._outTimestamp[0]);
    const elapsedS = Math.max(0, timestampNs - gpu.lastTimestampNs) / 1e9;
    // A wrap may add at most what the GPU could draw in the elapsed time (plus one second of slack).
    const maxWrapCounts = (MAX_PLAUSIBLE_WATTS * (elapsedS + 1) * 1e6) / resolution;
    const event = gpu.tracker.update(Number(this._outCount[0]), maxWrapCounts);
    if (event === 'reset') this._faults.addFor(gpu, `${gpu.info.id}: energy counter went backwards (reset or glitch); interval skipped`);
    else gpu.lastFault = undefined;
    gpu.resolutionMicrojoules = resolution;
    gpu.lastTimestampNs = timestampNs;
    // counts × µJ/count → J once, here.
    return (gpu.tracker.total * resolution) / 1e6;
  }

  private _probe(index: number): AmdGpu | undefined {
    const rsmi = this._rsmi;
    const nameBuffer = Buffer.alloc(256);
    const name =
      rsmi.rsmi_dev_name_get(index, nameBuffer, nameBuffer.length) === RSMI_STATUS_SUCCESS
        ? cString(nameBuffer)
        : `AMD GPU ${index}`;
    const id64: [number | bigint] = [0];
    const uuid =
      rsmi.rsmi_dev_unique_id_get?.(index, id64) === RSMI_STATUS_SUCCESS ? `0x${BigInt(id64[0]).toString(16)}` : undefined;
    const powerKind = this._probePowerKind(index);
    const base = { id: `rocm_smi:${index}`, name, vendor: 'amd', hwType: 'gpu', component: 'gpu', source: 'rocm_smi', uuid } as const;

    const ret = rsmi.rsmi_dev_energy_count_get(index, this._outCount, this._outResolution, this._outTimestamp);
    if (ret === RSMI_STATUS_SUCCESS) {
      const raw = Number(this._outCount[0]);
      const tracker = new CounterTracker({ wrapAt: WRAP_32_BIT });
      tracker.update(raw);
      // The accumulator is the driver's, read alike by every process: host-wide modulo its 32-bit range (µJ → J here).
      const resolution = this._outResolution[0];
      const hostWide = resolution > 0 ? { counterOriginJoules: (raw * resolution) / 1e6, counterWrapJoules: (WRAP_32_BIT * resolution) / 1e6 } : {};
      const gpu = newGpu(index, { ...base, method: 'counter', ...hostWide }, powerKind, tracker);
      gpu.resolutionMicrojoules = resolution;
      gpu.lastTimestampNs = Number(this._outTimestamp[0]);
      return gpu;
    }
    if (ret !== RSMI_STATUS_NOT_SUPPORTED) throw driverError('rocm_smi', 'rsmi_dev_energy_count_get', ret);
    if (powerKind === 'none') {
      this._faults.add(`rocm_smi:${index}: no energy counter and no power reading; not measured`);
      return undefined;
    }
    const note = `rsmi_dev_energy_count_get: NOT_SUPPORTED, integrating ${POWER_FN[powerKind]}`;
    const gpu = newGpu(index, { ...base, method: 'power_integration', note }, powerKind, new CounterTracker());
    const power = this._power(gpu);
    if (power) gpu.integrator.add(performance.now(), power.watts);
    return gpu;
  }

  private _probePowerKind(index: number): PowerKind {
    const rsmi = this._rsmi;
    if (rsmi.rsmi_dev_current_socket_power_get?.(index, this._outPower) === RSMI_STATUS_SUCCESS) return 'socket';
    if (rsmi.rsmi_dev_power_get?.(index, this._outPower, this._outType) === RSMI_STATUS_SUCCESS) return 'power_get';
    if (rsmi.rsmi_dev_power_ave_get?.(index, 0, this._outPower) === RSMI_STATUS_SUCCESS) return 'average';
    return 'none';
  }

  /** Power in watts and whether it is instantaneous. */
  private _power(gpu: AmdGpu): { watts: number; instant: boolean } | undefined {
    const rsmi = this._rsmi;
    const out = this._outPower;
    let ret: number | undefined;
    let instant = true;
    switch (gpu.powerKind) {
      case 'socket':
        ret = rsmi.rsmi_dev_current_socket_power_get?.(gpu.index, out);
        break;
      case 'power_get':
        ret = rsmi.rsmi_dev_power_get?.(gpu.index, out, this._outType);
        instant = this._outType[0] !== RSMI_AVERAGE_POWER;
        break;
      case 'average':
        ret = rsmi.rsmi_dev_power_ave_get?.(gpu.index, 0, out);
        instant = false;
        break;
      default:
        return undefined;
    }
    // µW → W once, here.
    return ret === RSMI_STATUS_SUCCESS ? { watts: Number(out[0]) / 1e6, instant } : undefined;
  }

  private _read(index: number, gpu: AmdGpu, clearOfTick = true): DeviceReading | undefined {
    // The counter first, right after the time is taken: for an accumulator that ticks every millisecond, what its
    // value refers to must be as close to timeMs as it can be.
    let timeMs: number;
    let energyJoules: number | undefined;
    if (gpu.info.method === 'counter') {
      const read = (): boolean => (energyJoules = this._counterJoules(gpu)) !== undefined;
      const catcher = clearOfTick ? gpu.catcher : undefined;
      timeMs = catcher ? catcher.timedReadClearOfTick(read, gpu.stallMs, nowEpochMs) : timedCall(read, gpu.stallMs);
      if (energyJoules === undefined) return undefined;
    } else {
      timeMs = nowEpochMs();
    }
    const power = this._power(gpu);
    if (energyJoules === undefined) {
      if (!power) return undefined;
      energyJoules = gpu.integrator.add(performance.now(), power.watts);
    }
    if (timeMs - gpu.slowAtMs >= GAUGE_READ_PERIOD_MS) {
      gpu.slow = this._readSlow(gpu.index);
      gpu.slowAtMs = timeMs;
    }
    return {
      deviceIndex: index,
      timeMs,
      energyJoules,
      powerWatts: power?.instant ? power.watts : undefined,
      averagePowerWatts: power && !power.instant ? power.watts : undefined,
      ...gpu.slow,
    };
  }

  private _readSlow(index: number): Slow {
    const rsmi = this._rsmi;
    const slow: Slow = {};
    const u32 = this._outU32;
    const u64 = this._outU64;
    if (rsmi.rsmi_dev_busy_percent_get?.(index, u32) === RSMI_STATUS_SUCCESS) slow.utilization = u32[0] / 100;
    if (rsmi.rsmi_dev_memory_usage_get?.(index, RSMI_MEM_TYPE_VRAM, u64) === RSMI_STATUS_SUCCESS) slow.memoryUsedBytes = Number(u64[0]);
    if (rsmi.rsmi_dev_memory_total_get?.(index, RSMI_MEM_TYPE_VRAM, u64) === RSMI_STATUS_SUCCESS) slow.memoryTotalBytes = Number(u64[0]);
    if (rsmi.rsmi_dev_temp_metric_get?.(index, RSMI_TEMP_TYPE_EDGE, RSMI_TEMP_CURRENT, u64) === RSMI_STATUS_SUCCESS) {
      slow.temperatureCelsius = Number(u64[0]) / 1000;
    }
    if (rsmi.rsmi_dev_power_cap_get?.(index, 0, u64) === RSMI_STATUS_SUCCESS) slow.powerLimitWatts = Number(u64[0]) / 1e6;
    return slow;
  }

}

const POWER_FN: Record<PowerKind, string> = {
  socket: 'rsmi_dev_current_socket_power_get',
  power_get: 'rsmi_dev_power_get',
  average: 'rsmi_dev_power_ave_get (an average)',
  none: 'nothing',
};

function newGpu(index: number, info: DeviceInfo, powerKind: PowerKind, tracker: CounterTracker): AmdGpu {
  return {
    index,
    info,
    powerKind,
    tracker,
    integrator: new PowerIntegrator(),
    resolutionMicrojoules: 15.3,
    lastTimestampNs: 0,
    lastFault: undefined,
    slow: {},
    slowAtMs: Number.NEGATIVE_INFINITY,
    catcher: undefined,
    stallMs: stallThresholdMs(NaN),
  };
}

function cString(buffer: Buffer): string {
  const end = buffer.indexOf(0);
  return buffer.toString('utf8', 0, end < 0 ? buffer.length : end);
}

function statusString(rsmi: RocmSmiLibrary, status: number): string | undefined {
  try {
    const out: [string | null] = [null];
    return rsmi.rsmi_status_string?.(status, out) === RSMI_STATUS_SUCCESS ? (out[0] ?? undefined) : undefined;
  } catch {
    return undefined;
  }
}
