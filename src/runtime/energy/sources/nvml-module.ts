/**
 * Grace Hopper (GH200) and other superchips: NVML answers the power and energy fields with scopeId 1 for the whole
 * module (the Grace CPU, its memory and the GPU), scopeId 0 for the GPU alone. There is no RAPL on Grace, so the module
 * scope is the only reading of the CPU's energy there.
 *
 * The module's energy contains the GPU's, so it becomes a device of its own only as the difference: "module less GPU"
 * (component `cpu`: Grace and its memory). Summed with the GPU device it gives the module's energy, and nothing is
 * counted twice. The two counters tick on their own, so the difference can dip for a moment between a GPU tick and the
 * module's; it is kept from going backwards, which costs nothing over longer windows.
 *
 * Which field carries module energy is not documented: NVML_FI_DEV_ENERGY (191) "same as ..._TOTAL_ENERGY_CONSUMPTION
 * for the GPU", asked with scopeId 1. A driver that does not answer it with scopeId 1 has no module device.
 */
import {
  NVML_FI_DEV_ENERGY,
  NVML_FI_DEV_POWER_INSTANT,
  NVML_POWER_SCOPE_MODULE,
  NVML_SUCCESS,
  NvmlFieldValues,
  type NvmlDevice,
  type NvmlLibrary,
} from './nvml-ffi.js';
import type { DeviceInfo, DeviceReading } from './source.js';
import { CounterTracker } from './wraparound.js';

/** The module-scope readings of one GPU's superchip. */
export class NvmlModuleScope {
  /** The "module less GPU" device. */
  info: DeviceInfo;
  private readonly _energy: NvmlFieldValues;
  private readonly _power: NvmlFieldValues | undefined;
  private readonly _tracker = new CounterTracker();
  /** Joules of the module less the GPU since open, never decreasing. */
  private _restJoules = 0;

  private constructor(info: DeviceInfo, energy: NvmlFieldValues, power: NvmlFieldValues | undefined, firstMillijoules: number) {
    this.info = info;
    this._energy = energy;
    this._power = power;
    this._tracker.update(firstMillijoules);
  }

  /** The module scope of `gpu` when the driver answers module energy for it; undefined otherwise. */
  static probe(nvml: NvmlLibrary, handle: NvmlDevice, gpu: DeviceInfo): NvmlModuleScope | undefined {
    const energy = new NvmlFieldValues(NVML_FI_DEV_ENERGY, NVML_POWER_SCOPE_MODULE);
    const answer = energy.query(nvml, handle);
    if (answer.ret !== NVML_SUCCESS || answer.field?.nvmlReturn !== NVML_SUCCESS) return undefined;
    const power = new NvmlFieldValues(NVML_FI_DEV_POWER_INSTANT, NVML_POWER_SCOPE_MODULE);
    const powerAnswer = power.query(nvml, handle);
    const hasPower = powerAnswer.ret === NVML_SUCCESS && powerAnswer.field?.nvmlReturn === NVML_SUCCESS;
    const info: DeviceInfo = {
      id: `${gpu.id}:module`,
      name: `${gpu.name} module less GPU (Grace CPU and memory)`,
      vendor: 'nvidia',
      hwType: 'cpu',
      component: 'cpu',
      source: 'nvml',
      method: 'counter',
      uuid: gpu.uuid,
      counterPeriodMs: gpu.counterPeriodMs,
      note: 'NVML module scope (scopeId 1) less the GPU scope: NVML_FI_DEV_ENERGY and NVML_FI_DEV_POWER_INSTANT',
    };
    return new NvmlModuleScope(info, energy, hasPower ? power : undefined, answer.field.value);
  }

  /**
   * Reads the module's energy (and power) and returns the "module less GPU" reading at `timeMs`, given the GPU's own
   * joules since open and watts from the same pass; undefined when the module fields did not answer.
   */
  read(nvml: NvmlLibrary, handle: NvmlDevice, deviceIndex: number, timeMs: number, gpuJoules: number, gpuWatts: number | undefined): DeviceReading | undefined {
    const millijoules = this._energy.read(nvml, handle);
    if (Number.isNaN(millijoules)) return undefined;
    this._tracker.update(millijoules);
    // mJ → J once, here.
    this._restJoules = Math.max(this._restJoules, this._tracker.total / 1000 - gpuJoules);
    let powerWatts: number | undefined;
    if (this._power && gpuWatts !== undefined) {
      const milliwatts = this._power.read(nvml, handle);
      if (!Number.isNaN(milliwatts)) powerWatts = Math.max(0, milliwatts / 1000 - gpuWatts);
    }
    return { deviceIndex, timeMs, energyJoules: this._restJoules, powerWatts };
  }
}
