/**
 * NVIDIA GPUs through NVML: the energy counter (mJ) where the GPU has one (Volta and newer), power integration
 * where it does not, plus power, utilization, memory, temperature and power limit.
 */
import { performance } from 'node:perf_hooks';
import { nowEpochMs } from './clock.js';
import type { EnergyConfig } from './config.js';
import { DeviceLostError, NoDevicesError, driverCodeName, driverError, reasonOf } from './errors.js';
import {
  NVML_ERROR_GPU_IS_LOST,
  NVML_ERROR_NOT_SUPPORTED,
  NVML_FI_DEV_POWER_INSTANT,
  NVML_STRING_BUFFER_SIZE,
  NVML_SUCCESS,
  NVML_TEMPERATURE_GPU,
  NvmlEnergyCell,
  NvmlFieldValues,
  bindNvml,
  cString,
  type NvmlDevice,
  type NvmlLibrary,
} from './nvml-ffi.js';
import { NvmlModuleScope } from './nvml-module.js';
import { PowerIntegrator } from './power-integrator.js';
import type { DeviceInfo, DeviceReading, EnergySource } from './source.js';
import { DEFAULT_PROBE_BUDGET, fitTicks, measuredTiming, probeChannels, type ProbeBudget, type ProbeChannel } from './tick-probe.js';
import { stallThresholdMs, timedCallOn } from './timed-call.js';
import { CounterTracker } from './wraparound.js';
import { FaultLog } from './fault-log.js';
import { GAUGE_READ_PERIOD_MS } from './gauge-period.js';

/** NVML's energy counter ticks about every 100 ms (zeus, ml.energy); no NVIDIA document states it. */
export const NVML_COUNTER_PERIOD_MS = 100;

interface Slow {
  utilization?: number;
  memoryUsedBytes?: number;
  memoryTotalBytes?: number;
  temperatureCelsius?: number;
  powerLimitWatts?: number;
}

interface GpuState {
  readonly handle: NvmlDevice;
  /** Replaced once by measureTiming with what was measured. */
  info: DeviceInfo;
  /** Whether NVML_FI_DEV_POWER_INSTANT answered at open. */
  readonly hasInstantPower: boolean;
  readonly tracker: CounterTracker;
  readonly integrator: PowerIntegrator;
  readonly field: NvmlFieldValues;
  lost: boolean;
  lastFault: string | undefined;
  slow: Slow;
  slowAtMs: number;
  /** A counter call slower than this (ms) is made again (timed-call.ts); from the probe's call time once measured. */
  stallMs: number;
  /** What the last nvmlDeviceGetTotalEnergyConsumption call returned. */
  counterRet: number;
  /** A superchip's module scope (Grace Hopper), when the driver answers it: a "module less GPU" device of its own. */
  module: NvmlModuleScope | undefined;
}

/**
 * An open NVML session. {@link NvmlSource.open} calls `nvmlInit_v2`, {@link NvmlSource.close} the matching
 * `nvmlShutdown` (NVML reference-counts them, so several sources, or the host's own NVML use, coexist).
 */
export class NvmlSource implements EnergySource {
  readonly name = 'nvml' as const;
  private readonly _nvml: NvmlLibrary;
  private readonly _gpus: GpuState[];
  private _devices: DeviceInfo[];
  private readonly _faults: FaultLog;
  private _closed = false;
  // Reused `_Out_` cells, so a read allocates nothing per device.
  private readonly _energy = new NvmlEnergyCell();
  private readonly _outPower: [number] = [0];
  private readonly _outUint: [number] = [0];
  /** One function for every GPU's counter read (timedCallOn), not a closure per device and read. */
  private readonly _readCounter = (gpu: GpuState): void => {
    gpu.counterRet = this._nvml.nvmlDeviceGetTotalEnergyConsumption(gpu.handle, this._energy.cell);
  };

  private constructor(nvml: NvmlLibrary, gpus: GpuState[], faults: string[]) {
    this._nvml = nvml;
    this._gpus = gpus;
    this._devices = deviceList(gpus);
    this._faults = new FaultLog(faults);
  }

  /**
   * Loads libnvidia-ml (config.nvmlLibrary or the system's), initialises it and probes every GPU. Throws an
   * EnergyError when NVML is absent, fails to initialise, or has no GPU that can measure energy.
   */
  static open(config: Pick<EnergyConfig, 'nvmlLibrary'> = {}): NvmlSource {
    const nvml = bindNvml(config.nvmlLibrary);
    const ret = nvml.nvmlInit_v2();
    if (ret !== NVML_SUCCESS) throw driverError('nvml', 'nvmlInit_v2', ret, safeErrorString(nvml, ret));
    try {
      const faults: string[] = [];
      const gpus = probeGpus(nvml, faults);
      if (gpus.length === 0) {
        throw new NoDevicesError('nvml', `no NVIDIA GPU can measure energy${faults.length ? `: ${faults.join('; ')}` : ''}`);
      }
      return new NvmlSource(nvml, gpus, faults);
    } catch (error) {
      nvml.nvmlShutdown();
      throw error;
    }
  }

  /** The path of the library that was loaded. */
  get libraryPath(): string {
    return this._nvml.path;
  }

  devices(): readonly DeviceInfo[] {
    return this._devices;
  }

  read(): DeviceReading[] {
    if (this._closed) return [];
    const readings: DeviceReading[] = [];
    // Module devices come after every GPU (see deviceList).
    let moduleIndex = this._gpus.length;
    for (let i = 0; i < this._gpus.length; i++) {
      const gpu = this._gpus[i]!;
      const module = gpu.module;
      const index = module ? moduleIndex++ : -1;
      if (gpu.lost) continue;
      const reading = this._readGpu(i, gpu);
      if (!reading) continue;
      readings.push(reading);
      if (module && reading.energyJoules !== undefined) {
        const rest = module.read(this._nvml, gpu.handle, index, reading.timeMs, reading.energyJoules, reading.powerWatts);
        if (rest) readings.push(rest);
      }
    }
    return readings;
  }

  faults(): string[] {
    return this._faults.take();
  }

  close(): void {
    if (this._closed) return;
    this._closed = true;
    this._nvml.nvmlShutdown();
  }

  /**
   * Measures each GPU's energy-counter tick and instant-power refresh by polling them back to back (NVIDIA documents
   * neither; ≈100 ms is Zeus' measurement). A GPU whose counter did not tick regularly keeps the usual 100 ms.
   */
  measureTiming(budget: ProbeBudget = DEFAULT_PROBE_BUDGET): void {
    if (this._closed) return;
    const nvml = this._nvml;
    const live = this._gpus.filter((g) => !g.lost);
    const counters: ProbeChannel[] = live.map((gpu) => () => {
      if (gpu.info.method !== 'counter') return undefined;
      return nvml.nvmlDeviceGetTotalEnergyConsumption(gpu.handle, this._energy.cell) === NVML_SUCCESS ? this._energy.millijoules : undefined;
    });
    // The instant field's own timestamps, when the driver stamps a value with the time it was taken (not asked for):
    // distinct ones are its refreshes, exactly, whatever the power does and however late we see them.
    const stamps: number[][] = live.map(() => []);
    const calls = new Uint32Array(live.length);
    const powers: ProbeChannel[] = live.map((gpu, i) => () => {
      if (!gpu.hasInstantPower) return undefined;
      const { ret, field } = gpu.field.query(nvml, gpu.handle);
      if (ret !== NVML_SUCCESS || field?.nvmlReturn !== NVML_SUCCESS) return undefined;
      const seen = stamps[i]!;
      const ms = field.timestampMicros / 1000;
      calls[i]!++;
      if (seen.length < 256 && seen[seen.length - 1] !== ms) seen.push(ms);
      return field.value;
    });
    let timings;
    try {
      timings = probeChannels([...counters, ...powers], nowEpochMs, budget);
    } catch (error) {
      this._faults.add(`nvml: timing probe failed: ${reasonOf(error)}`);
      return;
    }
    live.forEach((gpu, i) => {
      const counter = timings[i];
      gpu.info = { ...gpu.info, ...measuredTiming(counter, gpu.hasInstantPower ? timings[live.length + i] : undefined) };
      // Held across most calls, or the driver stamps values when asked (then they say nothing).
      const held = stamps[i]!.length * 4 < calls[i]!;
      const refresh = gpu.hasInstantPower && held ? refreshFromStamps(stamps[i]!) : undefined;
      if (refresh !== undefined) gpu.info = { ...gpu.info, powerRefreshMs: refresh };
      if (counter) gpu.stallMs = stallThresholdMs(counter.callMs);
      // The module counter is assumed to tick like the GPU's (it is not probed on its own).
      if (gpu.module) gpu.module.info = { ...gpu.module.info, counterPeriodMs: gpu.info.counterPeriodMs };
    });
    this._devices = deviceList(this._gpus);
  }

  private _readGpu(index: number, gpu: GpuState): DeviceReading | undefined {
    const nvml = this._nvml;
    let timeMs: number;
    let energyJoules: number;
    let powerWatts: number | undefined;
    let averagePowerWatts: number | undefined;

    // The counter first, right after the time is taken (see timed-call.ts).
    if (gpu.info.method === 'counter') {
      timeMs = timedCallOn(this._readCounter, gpu, gpu.stallMs);
      if (gpu.counterRet !== NVML_SUCCESS) return this._fail(gpu, 'nvmlDeviceGetTotalEnergyConsumption', gpu.counterRet);
      if (gpu.tracker.update(this._energy.millijoules) === 'reset') {
        this._faults.addFor(gpu, `${gpu.info.id}: energy counter went backwards (driver reloaded?); interval skipped`);
      }
    } else {
      timeMs = nowEpochMs();
    }

    if (gpu.hasInstantPower) {
      const milliwatts = gpu.field.read(nvml, gpu.handle);
      if (gpu.field.ret !== NVML_SUCCESS) return this._fail(gpu, 'nvmlDeviceGetFieldValues', gpu.field.ret);
      if (!Number.isNaN(milliwatts)) powerWatts = milliwatts / 1000;
    } else {
      const ret = nvml.nvmlDeviceGetPowerUsage(gpu.handle, this._outPower);
      if (ret === NVML_SUCCESS) averagePowerWatts = this._outPower[0] / 1000;
      else if (ret !== NVML_ERROR_NOT_SUPPORTED) return this._fail(gpu, 'nvmlDeviceGetPowerUsage', ret);
    }

    if (gpu.info.method === 'counter') {
      energyJoules = gpu.tracker.total / 1000;
    } else {
      const watts = powerWatts ?? averagePowerWatts;
      if (watts === undefined) return undefined;
      energyJoules = gpu.integrator.add(performance.now(), watts);
    }

    if (timeMs - gpu.slowAtMs >= GAUGE_READ_PERIOD_MS) {
      gpu.slow = this._readSlow(gpu.handle);
      gpu.slowAtMs = timeMs;
    }
    gpu.lastFault = undefined;
    return readingOf(index, timeMs, energyJoules, powerWatts, averagePowerWatts, gpu.slow);
  }

  private _readSlow(handle: NvmlDevice): Slow {
    const nvml = this._nvml;
    const slow: Slow = {};
    const util = { gpu: 0, memory: 0 };
    if (nvml.nvmlDeviceGetUtilizationRates?.(handle, util) === NVML_SUCCESS) slow.utilization = util.gpu / 100;
    const mem = { total: 0, free: 0, used: 0 };
    if (nvml.nvmlDeviceGetMemoryInfo?.(handle, mem) === NVML_SUCCESS) {
      slow.memoryUsedBytes = Number(mem.used);
      slow.memoryTotalBytes = Number(mem.total);
    }
    const out = this._outUint;
    if (nvml.nvmlDeviceGetTemperature?.(handle, NVML_TEMPERATURE_GPU, out) === NVML_SUCCESS) slow.temperatureCelsius = out[0];
    if (nvml.nvmlDeviceGetEnforcedPowerLimit?.(handle, out) === NVML_SUCCESS) slow.powerLimitWatts = out[0] / 1000;
    return slow;
  }

  /** A failed call: a lost GPU is dropped for good, anything else skips this reading. Reported once per streak. */
  private _fail(gpu: GpuState, fn: string, ret: number): undefined {
    if (ret === NVML_ERROR_GPU_IS_LOST || driverError('nvml', fn, ret) instanceof DeviceLostError) {
      gpu.lost = true;
      this._faults.add(`${gpu.info.id}: ${driverCodeName('nvml', ret)} (${fn}); device skipped from now on`);
      return undefined;
    }
    this._faults.addFor(gpu, `${gpu.info.id}: ${driverCodeName('nvml', ret)} (${fn})`);
    return undefined;
  }

}

function probeGpus(nvml: NvmlLibrary, faults: string[]): GpuState[] {
  const count: [number] = [0];
  const ret = nvml.nvmlDeviceGetCount_v2(count);
  if (ret !== NVML_SUCCESS) throw driverError('nvml', 'nvmlDeviceGetCount_v2', ret, safeErrorString(nvml, ret));
  const gpus: GpuState[] = [];
  for (let index = 0; index < count[0]; index++) {
    try {
      const gpu = probeGpu(nvml, index, faults);
      if (gpu) gpus.push(gpu);
    } catch (error) {
      faults.push(`nvml:${index}: ${reasonOf(error)}`);
    }
  }
  return gpus;
}

function probeGpu(nvml: NvmlLibrary, index: number, faults: string[]): GpuState | undefined {
  const out: [NvmlDevice | null] = [null];
  let ret = nvml.nvmlDeviceGetHandleByIndex_v2(index, out);
  if (ret !== NVML_SUCCESS || !out[0]) throw driverError('nvml', 'nvmlDeviceGetHandleByIndex_v2', ret);
  const handle = out[0];
  const buffer = Buffer.alloc(NVML_STRING_BUFFER_SIZE);
  const name = nvml.nvmlDeviceGetName(handle, buffer, buffer.length) === NVML_SUCCESS ? cString(buffer) : `NVIDIA GPU ${index}`;
  buffer.fill(0);
  const uuid = nvml.nvmlDeviceGetUUID(handle, buffer, buffer.length) === NVML_SUCCESS ? cString(buffer) : undefined;

  const field = new NvmlFieldValues(NVML_FI_DEV_POWER_INSTANT);
  const probe = field.query(nvml, handle);
  if (probe.ret === NVML_ERROR_GPU_IS_LOST) throw driverError('nvml', 'nvmlDeviceGetFieldValues', probe.ret);
  const hasInstantPower = probe.ret === NVML_SUCCESS && probe.field?.nvmlReturn === NVML_SUCCESS;

  const energy: [number | bigint] = [0];
  ret = nvml.nvmlDeviceGetTotalEnergyConsumption(handle, energy);
  const id = `nvml:${index}`;
  const base = { id, name, vendor: 'nvidia', hwType: 'gpu', component: 'gpu', source: 'nvml', uuid } as const;
  const tracker = new CounterTracker();
  if (ret === NVML_SUCCESS) {
    tracker.update(Number(energy[0]));
    // The counter runs from the driver's load (mJ): the same for every process on the host.
    const counterOriginJoules = Number(energy[0]) / 1000;
    const info: DeviceInfo = { ...base, method: 'counter', counterPeriodMs: NVML_COUNTER_PERIOD_MS, counterOriginJoules };
    const state = newState(handle, info, hasInstantPower, tracker, field);
    state.module = NvmlModuleScope.probe(nvml, handle, info);
    return state;
  }
  if (ret !== NVML_ERROR_NOT_SUPPORTED) throw driverError('nvml', 'nvmlDeviceGetTotalEnergyConsumption', ret);

  // Pre-Volta: no energy counter; integrate power instead, instant power when the driver has the field.
  const power: [number] = [0];
  const powerRet = hasInstantPower ? NVML_SUCCESS : nvml.nvmlDeviceGetPowerUsage(handle, power);
  if (powerRet !== NVML_SUCCESS) {
    faults.push(`${id}: no energy counter and no power reading (${driverCodeName('nvml', powerRet)}); not measured`);
    return undefined;
  }
  const note = hasInstantPower
    ? 'nvmlDeviceGetTotalEnergyConsumption: NOT_SUPPORTED, integrating NVML_FI_DEV_POWER_INSTANT'
    : 'nvmlDeviceGetTotalEnergyConsumption: NOT_SUPPORTED, integrating nvmlDeviceGetPowerUsage (may be a 1 s average)';
  const info: DeviceInfo = { ...base, method: 'power_integration', note, counterPeriodMs: NVML_COUNTER_PERIOD_MS };
  const state = newState(handle, info, hasInstantPower, tracker, field);
  // Integration starts at open, like a counter's baseline.
  state.integrator.add(performance.now(), (hasInstantPower ? (probe.field?.value ?? 0) : power[0]) / 1000);
  return state;
}

function newState(
  handle: NvmlDevice,
  info: DeviceInfo,
  hasInstantPower: boolean,
  tracker: CounterTracker,
  field: NvmlFieldValues,
): GpuState {
  return {
    handle,
    info,
    hasInstantPower,
    tracker,
    integrator: new PowerIntegrator(),
    field,
    lost: false,
    lastFault: undefined,
    slow: {},
    slowAtMs: Number.NEGATIVE_INFINITY,
    stallMs: stallThresholdMs(NaN),
    counterRet: NVML_SUCCESS,
    module: undefined,
  };
}

/**
 * One reading, its fields set in one order (one object shape for V8; no spread of `slow` per read). Unset fields stay
 * undefined, which the ring stores as NaN and reads back as absent.
 */
function readingOf(
  deviceIndex: number,
  timeMs: number,
  energyJoules: number,
  powerWatts: number | undefined,
  averagePowerWatts: number | undefined,
  slow: Slow,
): DeviceReading {
  return {
    deviceIndex,
    timeMs,
    energyJoules,
    powerWatts,
    averagePowerWatts,
    utilization: slow.utilization,
    memoryUsedBytes: slow.memoryUsedBytes,
    memoryTotalBytes: slow.memoryTotalBytes,
    temperatureCelsius: slow.temperatureCelsius,
    powerLimitWatts: slow.powerLimitWatts,
  };
}

/**
 * The instant field's refresh period from the distinct timestamps it carried during the probe: regular ones a
 * millisecond or more apart are its refreshes; ones that changed at every call (stamped when asked) say nothing.
 */
function refreshFromStamps(stampsMs: readonly number[]): number | undefined {
  const fit = stampsMs.length >= 4 ? fitTicks(stampsMs) : undefined;
  return fit && fit.periodMs >= 1 ? fit.periodMs : undefined;
}

/** Every GPU, then every superchip's "module less GPU" device (indexes as in read()). */
function deviceList(gpus: readonly GpuState[]): DeviceInfo[] {
  return [...gpus.map((g) => g.info), ...gpus.flatMap((g) => (g.module ? [g.module.info] : []))];
}

function safeErrorString(nvml: NvmlLibrary, ret: number): string | undefined {
  try {
    return nvml.nvmlErrorString(ret);
  } catch {
    return undefined;
  }
}
