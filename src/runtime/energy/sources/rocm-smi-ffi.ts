/**
 * koffi bindings for librocm_smi64, written like rocm_smi.h. Scalar out-parameters only: they are ABI-stable
 * across ROCm releases, unlike amdsmi's structs.
 */
import { join } from 'node:path';
import { loadKoffi, openFirstLibrary, optionalFunc, type Koffi, type KoffiLibrary } from './koffi-loader.js';

/** `rsmi_status_t` success. */
export const RSMI_STATUS_SUCCESS = 0;
/** `rsmi_status_t` for an unsupported query. */
export const RSMI_STATUS_NOT_SUPPORTED = 2;
/** `RSMI_POWER_TYPE`. */
export const RSMI_AVERAGE_POWER = 0;
export const RSMI_CURRENT_POWER = 1;
/** `rsmi_memory_type_t` RSMI_MEM_TYPE_VRAM. */
export const RSMI_MEM_TYPE_VRAM = 0;
/** `rsmi_temperature_type_t` RSMI_TEMP_TYPE_EDGE and `rsmi_temperature_metric_t` RSMI_TEMP_CURRENT. */
export const RSMI_TEMP_TYPE_EDGE = 0;
export const RSMI_TEMP_CURRENT = 0;

/** An `_Out_` scalar: koffi writes the value into element 0. */
export type Out<T> = [T];

/** The bound library. Functions missing from older releases are optional. */
export interface RocmSmiLibrary {
  readonly path: string;
  rsmi_init(initFlags: number): number;
  rsmi_shut_down(): number;
  rsmi_status_string?(status: number, statusString: Out<string | null>): number;
  rsmi_num_monitor_devices(numDevices: Out<number>): number;
  rsmi_dev_name_get(dvInd: number, name: Buffer, len: number): number;
  rsmi_dev_unique_id_get?(dvInd: number, id: Out<number | bigint>): number;
  /** Accumulator in counts; resolution in µJ per count; timestamp in ns. */
  rsmi_dev_energy_count_get(
    dvInd: number,
    power: Out<number | bigint>,
    counterResolution: Out<number>,
    timestamp: Out<number | bigint>,
  ): number;
  /** µW; `type` is RSMI_CURRENT_POWER or RSMI_AVERAGE_POWER. */
  rsmi_dev_power_get?(dvInd: number, powerMicrowatts: Out<number | bigint>, type: Out<number>): number;
  /** µW, instantaneous (MI300+). */
  rsmi_dev_current_socket_power_get?(dvInd: number, socketPowerMicrowatts: Out<number | bigint>): number;
  /** µW, averaged (MI200 and earlier). */
  rsmi_dev_power_ave_get?(dvInd: number, sensorInd: number, powerMicrowatts: Out<number | bigint>): number;
  /** µW. */
  rsmi_dev_power_cap_get?(dvInd: number, sensorInd: number, capMicrowatts: Out<number | bigint>): number;
  /** percent. */
  rsmi_dev_busy_percent_get?(dvInd: number, busyPercent: Out<number>): number;
  /** bytes. */
  rsmi_dev_memory_total_get?(dvInd: number, memType: number, total: Out<number | bigint>): number;
  /** bytes. */
  rsmi_dev_memory_usage_get?(dvInd: number, memType: number, used: Out<number | bigint>): number;
  /** millidegrees Celsius. */
  rsmi_dev_temp_metric_get?(dvInd: number, sensorType: number, metric: number, temperature: Out<number | bigint>): number;
}

let declared = false;

function declareTypes(koffi: Koffi): void {
  if (declared) return;
  koffi.alias('rsmi_status_t', 'uint32_t');
  koffi.alias('RSMI_POWER_TYPE', 'uint32_t');
  koffi.alias('rsmi_memory_type_t', 'uint32_t');
  koffi.alias('rsmi_temperature_metric_t', 'uint32_t');
  declared = true;
}

const bound = new Map<string, RocmSmiLibrary>();

/** Library names to try: the SONAMEs ROCm and distributions ship, then /opt/rocm/lib. */
export function rocmCandidates(explicitPath: string | undefined): string[] {
  if (explicitPath) return [explicitPath];
  const names = ['librocm_smi64.so', 'librocm_smi64.so.7', 'librocm_smi64.so.6', 'librocm_smi64.so.5', 'librocm_smi64.so.1'];
  const rocmLib = join(process.env.ROCM_PATH ?? '/opt/rocm', 'lib');
  return [...names, ...names.map((n) => join(rocmLib, n))];
}

/** Loads and binds librocm_smi64 (once per path per process). Throws LibraryNotFoundError / FfiUnavailableError. */
export function bindRocmSmi(explicitPath: string | undefined): RocmSmiLibrary {
  const koffi = loadKoffi('rocm_smi');
  declareTypes(koffi);
  const candidates = rocmCandidates(explicitPath);
  for (const candidate of candidates) {
    const hit = bound.get(candidate);
    if (hit) return hit;
  }
  const { lib, path } = openFirstLibrary(koffi, 'rocm_smi', candidates);
  const rsmi = bindFunctions(lib, path);
  bound.set(path, rsmi);
  return rsmi;
}

function bindFunctions(lib: KoffiLibrary, path: string): RocmSmiLibrary {
  return {
    path,
    rsmi_init: lib.func('rsmi_status_t rsmi_init(uint64_t init_flags)'),
    rsmi_shut_down: lib.func('rsmi_status_t rsmi_shut_down(void)'),
    rsmi_status_string: optionalFunc(lib, 'rsmi_status_t rsmi_status_string(rsmi_status_t status, _Out_ const char **status_string)'),
    rsmi_num_monitor_devices: lib.func('rsmi_status_t rsmi_num_monitor_devices(_Out_ uint32_t *num_devices)'),
    rsmi_dev_name_get: lib.func('rsmi_status_t rsmi_dev_name_get(uint32_t dv_ind, _Out_ char *name, size_t len)'),
    rsmi_dev_unique_id_get: optionalFunc(lib, 'rsmi_status_t rsmi_dev_unique_id_get(uint32_t dv_ind, _Out_ uint64_t *id)'),
    rsmi_dev_energy_count_get: lib.func(
      'rsmi_status_t rsmi_dev_energy_count_get(uint32_t dv_ind, _Out_ uint64_t *power, _Out_ float *counter_resolution, _Out_ uint64_t *timestamp)',
    ),
    rsmi_dev_power_get: optionalFunc(lib, 'rsmi_status_t rsmi_dev_power_get(uint32_t dv_ind, _Out_ uint64_t *power, _Out_ RSMI_POWER_TYPE *type)'),
    rsmi_dev_current_socket_power_get: optionalFunc(
      lib,
      'rsmi_status_t rsmi_dev_current_socket_power_get(uint32_t dv_ind, _Out_ uint64_t *socket_power)',
    ),
    rsmi_dev_power_ave_get: optionalFunc(
      lib,
      'rsmi_status_t rsmi_dev_power_ave_get(uint32_t dv_ind, uint32_t sensor_ind, _Out_ uint64_t *power)',
    ),
    rsmi_dev_power_cap_get: optionalFunc(lib, 'rsmi_status_t rsmi_dev_power_cap_get(uint32_t dv_ind, uint32_t sensor_ind, _Out_ uint64_t *cap)'),
    rsmi_dev_busy_percent_get: optionalFunc(lib, 'rsmi_status_t rsmi_dev_busy_percent_get(uint32_t dv_ind, _Out_ uint32_t *busy_percent)'),
    rsmi_dev_memory_total_get: optionalFunc(
      lib,
      'rsmi_status_t rsmi_dev_memory_total_get(uint32_t dv_ind, rsmi_memory_type_t mem_type, _Out_ uint64_t *total)',
    ),
    rsmi_dev_memory_usage_get: optionalFunc(
      lib,
      'rsmi_status_t rsmi_dev_memory_usage_get(uint32_t dv_ind, rsmi_memory_type_t mem_type, _Out_ uint64_t *used)',
    ),
    rsmi_dev_temp_metric_get: optionalFunc(
      lib,
      'rsmi_status_t rsmi_dev_temp_metric_get(uint32_t dv_ind, uint32_t sensor_type, rsmi_temperature_metric_t metric, _Out_ int64_t *temperature)',
    ),
  } as RocmSmiLibrary;
}
