/**
 * koffi bindings for libnvidia-ml, written like nvml.h. Only the calls the NVML source needs.
 *
 * The `_v2` entry points are bound by their real symbol names: nvml.h `#define`s `nvmlInit` to `nvmlInit_v2`, and the
 * plain `nvmlInit` symbol is the legacy v1 that fails when any GPU is in a bad state.
 */
import { loadKoffi, openFirstLibrary, optionalFunc, type Koffi, type KoffiLibrary } from './koffi-loader.js';

/** `nvmlReturn_t` success. Other values: see `DRIVER_ERROR_TABLE` in errors.ts. */
export const NVML_SUCCESS = 0;
/** `nvmlReturn_t` for a call the device does not support. */
export const NVML_ERROR_NOT_SUPPORTED = 3;
/** `nvmlReturn_t` for a GPU that fell off the bus. */
export const NVML_ERROR_GPU_IS_LOST = 15;
/** Field id of the instantaneous GPU power, mW (nvml.h `NVML_FI_DEV_POWER_INSTANT`). */
export const NVML_FI_DEV_POWER_INSTANT = 186;
/** Field id of the energy since the driver loaded, mJ (nvml.h `NVML_FI_DEV_ENERGY`); scoped like the power fields. */
export const NVML_FI_DEV_ENERGY = 191;
/** `scopeId` of the power and energy fields for the whole module of a superchip (Grace CPU + GPU), nvml.h. */
export const NVML_POWER_SCOPE_MODULE = 1;
/** `nvmlTemperatureSensors_t` NVML_TEMPERATURE_GPU. */
export const NVML_TEMPERATURE_GPU = 0;
/** nvml.h NVML_DEVICE_NAME_V2_BUFFER_SIZE / NVML_DEVICE_UUID_V2_BUFFER_SIZE. */
export const NVML_STRING_BUFFER_SIZE = 96;
/** `nvmlValueType_t` values we decode. */
const NVML_VALUE_TYPE_DOUBLE = 0;
const NVML_VALUE_TYPE_UNSIGNED_INT = 1;
const NVML_VALUE_TYPE_UNSIGNED_LONG_LONG = 3;
const NVML_VALUE_TYPE_SIGNED_LONG_LONG = 4;
const NVML_VALUE_TYPE_SIGNED_INT = 5;

/** `nvmlDevice_t`: an opaque handle, a pointer (BigInt in koffi 3) that only NVML may dereference. */
export type NvmlDevice = bigint & { readonly __brand: 'nvmlDevice_t' };

/** An `_Out_` scalar: koffi writes the value into element 0. */
export type Out<T> = [T];

/** `nvmlUtilization_t`, percent. */
export interface NvmlUtilization {
  gpu: number;
  memory: number;
}

/** `nvmlMemory_t` (v1), bytes. */
export interface NvmlMemory {
  total: number;
  free: number;
  used: number;
}

/** The bound library. Functions that older drivers lack are optional. */
export interface NvmlLibrary {
  readonly path: string;
  nvmlInit_v2(): number;
  nvmlShutdown(): number;
  nvmlErrorString(result: number): string;
  nvmlDeviceGetCount_v2(deviceCount: Out<number>): number;
  nvmlDeviceGetHandleByIndex_v2(index: number, device: Out<NvmlDevice | null>): number;
  nvmlDeviceGetName(device: NvmlDevice, name: Buffer, length: number): number;
  nvmlDeviceGetUUID(device: NvmlDevice, uuid: Buffer, length: number): number;
  /** Energy since the driver was loaded, mJ: into `[0]`, or into a {@link NvmlEnergyCell}'s typed array (no BigInt made). */
  nvmlDeviceGetTotalEnergyConsumption(device: NvmlDevice, energyMillijoules: Out<number | bigint> | BigUint64Array): number;
  /** Power, mW (a 1 s average on Ampere except GA100 and newer). */
  nvmlDeviceGetPowerUsage(device: NvmlDevice, powerMilliwatts: Out<number>): number;
  /** `values` is a caller-owned array of `nvmlFieldValue_t` (see {@link NvmlFieldValues}). */
  nvmlDeviceGetFieldValues?(device: NvmlDevice, valuesCount: number, values: Buffer): number;
  nvmlDeviceGetUtilizationRates?(device: NvmlDevice, utilization: NvmlUtilization): number;
  nvmlDeviceGetMemoryInfo?(device: NvmlDevice, memory: NvmlMemory): number;
  /** °C. */
  nvmlDeviceGetTemperature?(device: NvmlDevice, sensorType: number, temp: Out<number>): number;
  /** mW. */
  nvmlDeviceGetEnforcedPowerLimit?(device: NvmlDevice, limitMilliwatts: Out<number>): number;
}

interface NvmlTypes {
  fieldValueSize: number;
  offsets: { fieldId: number; scopeId: number; timestamp: number; valueType: number; nvmlReturn: number; value: number };
}

let types: NvmlTypes | undefined;

/** Declares nvml.h's types once per process (koffi type names are global). */
function declareTypes(koffi: Koffi): NvmlTypes {
  if (types) return types;
  koffi.pointer('nvmlDevice_t', koffi.opaque('nvmlDevice_st'));
  koffi.alias('nvmlReturn_t', 'int');
  const nvmlValue = koffi.union('nvmlValue_t', {
    dVal: 'double',
    siVal: 'int',
    uiVal: 'unsigned int',
    ulVal: 'unsigned long',
    ullVal: 'unsigned long long',
    sllVal: 'long long',
    usVal: 'unsigned short',
  });
  // C field order, as in nvml.h; sizeof is 40 on LP64 and LLP64.
  const fieldValue = koffi.struct('nvmlFieldValue_t', {
    fieldId: 'unsigned int',
    scopeId: 'unsigned int',
    timestamp: 'long long',
    latencyUsec: 'long long',
    valueType: 'int',
    nvmlReturn: 'nvmlReturn_t',
    value: nvmlValue,
  });
  koffi.struct('nvmlUtilization_t', { gpu: 'unsigned int', memory: 'unsigned int' });
  koffi.struct('nvmlMemory_t', { total: 'unsigned long long', free: 'unsigned long long', used: 'unsigned long long' });
  types = {
    fieldValueSize: koffi.sizeof(fieldValue),
    offsets: {
      fieldId: koffi.offsetof(fieldValue, 'fieldId'),
      scopeId: koffi.offsetof(fieldValue, 'scopeId'),
      timestamp: koffi.offsetof(fieldValue, 'timestamp'),
      valueType: koffi.offsetof(fieldValue, 'valueType'),
      nvmlReturn: koffi.offsetof(fieldValue, 'nvmlReturn'),
      value: koffi.offsetof(fieldValue, 'value'),
    },
  };
  return types;
}

const bound = new Map<string, NvmlLibrary>();

/** Default library names, most specific first. */
export function nvmlCandidates(explicitPath: string | undefined): string[] {
  if (explicitPath) return [explicitPath];
  if (process.platform === 'win32') {
    const windir = process.env.WINDIR ?? 'C:\\Windows';
    const programFiles = process.env.ProgramFiles ?? 'C:\\Program Files';
    // System32 first for DCH drivers, as NVIDIA's own nvidia-ml-py does.
    return [`${windir}\\System32\\nvml.dll`, `${programFiles}\\NVIDIA Corporation\\NVSMI\\nvml.dll`, 'nvml.dll'];
  }
  return ['libnvidia-ml.so.1', '/usr/lib/wsl/lib/libnvidia-ml.so.1'];
}

/**
 * Loads and binds libnvidia-ml (once per path per process; handles are never unloaded because other sources in the
 * process may still hold NVML). Throws LibraryNotFoundError / FfiUnavailableError.
 */
export function bindNvml(explicitPath: string | undefined): NvmlLibrary {
  const koffi = loadKoffi('nvml');
  declareTypes(koffi);
  const candidates = nvmlCandidates(explicitPath);
  for (const candidate of candidates) {
    const hit = bound.get(candidate);
    if (hit) return hit;
  }
  const { lib, path } = openFirstLibrary(koffi, 'nvml', candidates);
  const nvml = bindFunctions(lib, path);
  bound.set(path, nvml);
  return nvml;
}

function bindFunctions(lib: KoffiLibrary, path: string): NvmlLibrary {
  return {
    path,
    nvmlInit_v2: lib.func('nvmlReturn_t nvmlInit_v2(void)'),
    nvmlShutdown: lib.func('nvmlReturn_t nvmlShutdown(void)'),
    nvmlErrorString: lib.func('const char *nvmlErrorString(nvmlReturn_t result)'),
    nvmlDeviceGetCount_v2: lib.func('nvmlReturn_t nvmlDeviceGetCount_v2(_Out_ unsigned int *deviceCount)'),
    nvmlDeviceGetHandleByIndex_v2: lib.func(
      'nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, _Out_ nvmlDevice_t *device)',
    ),
    nvmlDeviceGetName: lib.func('nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t device, _Out_ char *name, unsigned int length)'),
    nvmlDeviceGetUUID: lib.func('nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t device, _Out_ char *uuid, unsigned int length)'),
    nvmlDeviceGetTotalEnergyConsumption: lib.func(
      'nvmlReturn_t nvmlDeviceGetTotalEnergyConsumption(nvmlDevice_t device, _Out_ unsigned long long *energy)',
    ),
    nvmlDeviceGetPowerUsage: lib.func('nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t device, _Out_ unsigned int *power)'),
    // An in/out array: fieldId and scopeId go in, the rest comes back. Passed as raw Buffer memory and decoded with
    // the struct's offsets, because koffi marshals one struct per `_Inout_` pointer, not an array.
    nvmlDeviceGetFieldValues: optionalFunc(
      lib,
      'nvmlReturn_t nvmlDeviceGetFieldValues(nvmlDevice_t device, int valuesCount, nvmlFieldValue_t *values)',
    ),
    nvmlDeviceGetUtilizationRates: optionalFunc(
      lib,
      'nvmlReturn_t nvmlDeviceGetUtilizationRates(nvmlDevice_t device, _Out_ nvmlUtilization_t *utilization)',
    ),
    nvmlDeviceGetMemoryInfo: optionalFunc(lib, 'nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t device, _Out_ nvmlMemory_t *memory)'),
    nvmlDeviceGetTemperature: optionalFunc(
      lib,
      'nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t device, int sensorType, _Out_ unsigned int *temp)',
    ),
    nvmlDeviceGetEnforcedPowerLimit: optionalFunc(
      lib,
      'nvmlReturn_t nvmlDeviceGetEnforcedPowerLimit(nvmlDevice_t device, _Out_ unsigned int *limit)',
    ),
  } as NvmlLibrary;
}

/** A decoded `nvmlFieldValue_t`. `value` is a Number whatever the C type. */
export interface NvmlFieldValue {
  readonly nvmlReturn: number;
  /** CPU timestamp of the value, µs since 1970. */
  readonly timestampMicros: number;
  readonly value: number;
}

/** Index of the low and high 32-bit halves of a 64-bit integer in a Uint32Array view (the C side writes native order). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const LOW_WORD = LITTLE_ENDIAN ? 0 : 1;
const HIGH_WORD = LITTLE_ENDIAN ? 1 : 0;
const TWO_POW_32 = 2 ** 32;

/**
 * A reusable `_Out_ unsigned long long` for nvmlDeviceGetTotalEnergyConsumption: koffi writes into a BigUint64Array
 * (the pointer's own type), read back through a Uint32Array view of the same memory, so a read makes no BigInt and no
 * array (an `_Out_` `[0]` costs about four times the call itself, bench/energy/ffi-read.ts).
 */
export class NvmlEnergyCell {
  /** Pass this as the out-parameter. */
  readonly cell = new BigUint64Array(1);
  private readonly _words = new Uint32Array(this.cell.buffer);

  /** The value the last call wrote, mJ (exact below 2^53). */
  get millijoules(): number {
    const w = this._words;
    return (w[LOW_WORD] ?? 0) + (w[HIGH_WORD] ?? 0) * TWO_POW_32;
  }
}

/**
 * A reusable one-element `nvmlFieldValue_t` array for one field id and scope, so the sampler's hot path allocates
 * nothing: {@link NvmlFieldValues.read} decodes through typed-array views of the memory the driver wrote.
 */
export class NvmlFieldValues {
  /** What the last {@link NvmlFieldValues.read} call returned (the call's own code). */
  ret = NVML_SUCCESS;
  /** The field's own `nvmlReturn` from the last successful call. */
  fieldReturn = NVML_SUCCESS;
  private readonly _bytes: Buffer;
  private readonly _i32: Int32Array;
  private readonly _u32: Uint32Array;
  private readonly _f64: Float64Array;
  private readonly _fieldId: number;
  private readonly _scopeId: number;
  private readonly _offsets: NvmlTypes['offsets'];

  constructor(fieldId: number, scopeId = 0) {
    const t = types;
    if (!t) throw new Error('bindNvml() must run before NvmlFieldValues is constructed');
    const memory = new ArrayBuffer(Math.ceil(t.fieldValueSize / 8) * 8);
    this._bytes = Buffer.from(memory, 0, t.fieldValueSize);
    this._i32 = new Int32Array(memory);
    this._u32 = new Uint32Array(memory);
    this._f64 = new Float64Array(memory);
    this._offsets = t.offsets;
    this._fieldId = fieldId;
    this._scopeId = scopeId;
  }

  /**
   * Calls nvmlDeviceGetFieldValues; returns the value as a Number, or NaN when the call or the field did not answer
   * ({@link NvmlFieldValues.ret} and {@link NvmlFieldValues.fieldReturn} say which). Allocates nothing.
   */
  read(nvml: NvmlLibrary, device: NvmlDevice): number {
    const fn = nvml.nvmlDeviceGetFieldValues;
    if (!fn) {
      this.ret = NVML_ERROR_NOT_SUPPORTED;
      return NaN;
    }
    const o = this._offsets;
    const i32 = this._i32;
    i32[o.fieldId / 4] = this._fieldId;
    i32[o.scopeId / 4] = this._scopeId;
    i32[o.nvmlReturn / 4] = NVML_ERROR_NOT_SUPPORTED;
    this.ret = fn(device, 1, this._bytes);
    if (this.ret !== NVML_SUCCESS) return NaN;
    this.fieldReturn = i32[o.nvmlReturn / 4] ?? NVML_ERROR_NOT_SUPPORTED;
    if (this.fieldReturn !== NVML_SUCCESS) return NaN;
    return this._decode(i32[o.valueType / 4] ?? -1);
  }

  /** Calls nvmlDeviceGetFieldValues; returns the call's own return code and, on success, the decoded field with its timestamp. */
  query(nvml: NvmlLibrary, device: NvmlDevice): { ret: number; field?: NvmlFieldValue } {
    const value = this.read(nvml, device);
    if (this.ret !== NVML_SUCCESS) return { ret: this.ret };
    const at = this._offsets.timestamp / 4;
    const timestampMicros = (this._u32[at + LOW_WORD] ?? 0) + (this._i32[at + HIGH_WORD] ?? 0) * TWO_POW_32;
    return { ret: this.ret, field: { nvmlReturn: this.fieldReturn, timestampMicros, value } };
  }

  private _decode(valueType: number): number {
    const at = this._offsets.value / 4;
    const u32 = this._u32;
    switch (valueType) {
      case NVML_VALUE_TYPE_DOUBLE:
        return this._f64[this._offsets.value / 8] ?? NaN;
      case NVML_VALUE_TYPE_SIGNED_INT:
        return this._i32[at] ?? NaN;
      case NVML_VALUE_TYPE_UNSIGNED_LONG_LONG:
        return (u32[at + LOW_WORD] ?? 0) + (u32[at + HIGH_WORD] ?? 0) * TWO_POW_32;
      case NVML_VALUE_TYPE_SIGNED_LONG_LONG:
        return (u32[at + LOW_WORD] ?? 0) + (this._i32[at + HIGH_WORD] ?? 0) * TWO_POW_32;
      case NVML_VALUE_TYPE_UNSIGNED_INT:
        return u32[at] ?? NaN;
      default:
        // UNSIGNED_LONG (4 bytes on Windows, 8 on Linux) and UNSIGNED_SHORT: power fields are never these; the low 32
        // bits, which are right for both widths of UNSIGNED_LONG on little-endian for values below 2^32.
        return u32[at] ?? NaN;
    }
  }
}

/** Reads a NUL-terminated C string out of `buffer`. */
export function cString(buffer: Buffer): string {
  const end = buffer.indexOf(0);
  return buffer.toString('utf8', 0, end < 0 ? buffer.length : end);
}
