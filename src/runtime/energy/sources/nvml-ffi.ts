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
  /** Energy since the driver was loaded, mJ. */
  nvmlDeviceGetTotalEnergyConsumption(device: NvmlDevice, energyMillijoules: Out<number | bigint>): number;
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

/**
 * A reusable one-element `nvmlFieldValue_t` array for one field id and scope, so the sampler's hot path allocates
 * nothing.
 */
export class NvmlFieldValues {
  private readonly _buffer: Buffer;
  private readonly _offsets: NvmlTypes['offsets'];
  private readonly _fieldId: number;
  private readonly _scopeId: number;

  constructor(fieldId: number, scopeId = 0) {
    const t = types;
    if (!t) throw new Error('bindNvml() must run before NvmlFieldValues is constructed');
    this._buffer = Buffer.alloc(t.fieldValueSize);
    this._offsets = t.offsets;
    this._fieldId = fieldId;
    this._scopeId = scopeId;
  }

  /** Calls nvmlDeviceGetFieldValues; returns the call's own return code and, on success, the decoded value. */
  query(nvml: NvmlLibrary, device: NvmlDevice): { ret: number; field?: NvmlFieldValue } {
    const fn = nvml.nvmlDeviceGetFieldValues;
    if (!fn) return { ret: NVML_ERROR_NOT_SUPPORTED };
    const b = this._buffer;
    const o = this._offsets;
    b.fill(0);
    b.writeUInt32LE(this._fieldId, o.fieldId);
    b.writeUInt32LE(this._scopeId, o.scopeId);
    const ret = fn(device, 1, b);
    if (ret !== NVML_SUCCESS) return { ret };
    return {
      ret,
      field: {
        nvmlReturn: b.readInt32LE(o.nvmlReturn),
        timestampMicros: Number(b.readBigInt64LE(o.timestamp)),
        value: decodeValue(b, o.value, b.readInt32LE(o.valueType)),
      },
    };
  }
}

function decodeValue(b: Buffer, offset: number, valueType: number): number {
  switch (valueType) {
    case NVML_VALUE_TYPE_DOUBLE:
      return b.readDoubleLE(offset);
    case NVML_VALUE_TYPE_UNSIGNED_INT:
      return b.readUInt32LE(offset);
    case NVML_VALUE_TYPE_SIGNED_INT:
      return b.readInt32LE(offset);
    case NVML_VALUE_TYPE_UNSIGNED_LONG_LONG:
      return Number(b.readBigUInt64LE(offset));
    case NVML_VALUE_TYPE_SIGNED_LONG_LONG:
      return Number(b.readBigInt64LE(offset));
    default:
      // UNSIGNED_LONG (4 bytes on Windows, 8 on Linux) and UNSIGNED_SHORT: power fields are never these; read the
      // low 32 bits, which is right for both widths on little-endian for values below 2^32.
      return b.readUInt32LE(offset);
  }
}

/** Reads a NUL-terminated C string out of `buffer`. */
export function cString(buffer: Buffer): string {
  const end = buffer.indexOf(0);
  return buffer.toString('utf8', 0, end < 0 ? buffer.length : end);
}
