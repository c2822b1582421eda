/**
 * Typed errors for the energy backends, with stable codes in the style of undici's `UND_ERR_*`.
 *
 * Driver return codes (NVML's `nvmlReturn_t`, ROCm SMI's `rsmi_status_t`) become errors through ONE table,
 * {@link DRIVER_ERROR_TABLE}; everything that is not a driver code (a missing library, an unreadable sysfs file, a
 * denied `sudo`) has its own subclass. Detection turns any of these into a one-line reason; they never reach the host
 * program.
 */
import type { EnergySourceName } from './source.js';

/** Base class of every error the energy backends raise. `code` is stable across releases; match on it, not on text. */
export class EnergyError extends Error {
  override readonly name: string = 'EnergyError';
  /** Stable code, e.g. `OJ_NVML_GPU_IS_LOST`. */
  readonly code: string;
  /** The source that raised it. */
  readonly source: EnergySourceName;
  /** The driver's own return code, when the error came from one. */
  readonly driverCode?: number;

  constructor(source: EnergySourceName, code: string, message: string, driverCode?: number) {
    super(message);
    this.source = source;
    this.code = code;
    if (driverCode !== undefined) this.driverCode = driverCode;
  }
}

/** The shared library (libnvidia-ml.so.1, librocm_smi64.so…) or koffi itself could not be loaded. */
export class LibraryNotFoundError extends EnergyError {
  override readonly name = 'LibraryNotFoundError';
  constructor(source: EnergySourceName, message: string) {
    super(source, 'OJ_LIBRARY_NOT_FOUND', message);
  }
}

/** The FFI layer (koffi) is not available on this platform. */
export class FfiUnavailableError extends EnergyError {
  override readonly name = 'FfiUnavailableError';
  constructor(source: EnergySourceName, message: string) {
    super(source, 'OJ_FFI_UNAVAILABLE', message);
  }
}

/** The source opened but found nothing it can measure (no GPU, no RAPL zone). */
export class NoDevicesError extends EnergyError {
  override readonly name = 'NoDevicesError';
  constructor(source: EnergySourceName, message: string) {
    super(source, 'OJ_NO_DEVICES', message);
  }
}

/** A driver call returned a code that is not success and not one of the more specific classes below. */
export class DriverError extends EnergyError {
  override readonly name: string = 'DriverError';
}

/** The driver cannot be initialised (driver not loaded, init error, uninitialized). */
export class DriverInitError extends DriverError {
  override readonly name = 'DriverInitError';
}

/** The device or driver does not support the call (e.g. the energy counter on pre-Volta GPUs). */
export class NotSupportedError extends DriverError {
  override readonly name = 'NotSupportedError';
}

/** The device fell off the bus or stopped answering; it is skipped from then on. */
export class DeviceLostError extends DriverError {
  override readonly name = 'DeviceLostError';
}

/** The driver refused for lack of permission. */
export class DriverPermissionError extends DriverError {
  override readonly name = 'DriverPermissionError';
}

/** A RAPL `energy_uj` file exists but cannot be read (root-only since CVE-2020-8694, or not a file). */
export class RaplUnreadableError extends EnergyError {
  override readonly name = 'RaplUnreadableError';
  constructor(message: string) {
    super('rapl', 'OJ_RAPL_UNREADABLE', message);
  }
}

/** powermetrics could not be run with the needed privileges (`sudo -n` asked for a password, or not root). */
export class PowermetricsDeniedError extends EnergyError {
  override readonly name = 'PowermetricsDeniedError';
  constructor(message: string) {
    super('powermetrics', 'OJ_POWERMETRICS_DENIED', message);
  }
}

/** powermetrics was not found, exited, or was killed. */
export class PowermetricsExitedError extends EnergyError {
  override readonly name = 'PowermetricsExitedError';
  constructor(message: string) {
    super('powermetrics', 'OJ_POWERMETRICS_EXITED', message);
  }
}

type DriverErrorClass = new (source: EnergySourceName, code: string, message: string, driverCode?: number) => DriverError;

/** One row of {@link DRIVER_ERROR_TABLE}. */
export interface DriverErrorRow {
  readonly source: 'nvml' | 'rocm_smi';
  /** The driver's numeric return code. */
  readonly driverCode: number;
  /** The driver's own name for it, without prefix (`GPU_IS_LOST`). */
  readonly driverName: string;
  readonly code: string;
  readonly errorClass: DriverErrorClass;
}

function row(
  source: DriverErrorRow['source'],
  driverCode: number,
  driverName: string,
  errorClass: DriverErrorClass = DriverError,
): DriverErrorRow {
  const prefix = source === 'nvml' ? 'OJ_NVML_' : 'OJ_RSMI_';
  return { source, driverCode, driverName, code: prefix + driverName, errorClass };
}

/**
 * Every driver return code we name. Values from nvml.h (`nvmlReturn_t`) and rocm_smi.h (`rsmi_status_t`).
 * Codes not listed become `OJ_NVML_UNKNOWN` / `OJ_RSMI_UNKNOWN_ERROR` with the number in the message.
 */
export const DRIVER_ERROR_TABLE: readonly DriverErrorRow[] = [
  row('nvml', 1, 'UNINITIALIZED', DriverInitError),
  row('nvml', 2, 'INVALID_ARGUMENT'),
  row('nvml', 3, 'NOT_SUPPORTED', NotSupportedError),
  row('nvml', 4, 'NO_PERMISSION', DriverPermissionError),
  row('nvml', 5, 'ALREADY_INITIALIZED'),
  row('nvml', 6, 'NOT_FOUND'),
  row('nvml', 7, 'INSUFFICIENT_SIZE'),
  row('nvml', 8, 'INSUFFICIENT_POWER'),
  row('nvml', 9, 'DRIVER_NOT_LOADED', DriverInitError),
  row('nvml', 10, 'TIMEOUT'),
  row('nvml', 11, 'IRQ_ISSUE'),
  row('nvml', 12, 'LIBRARY_NOT_FOUND', DriverInitError),
  row('nvml', 13, 'FUNCTION_NOT_FOUND', NotSupportedError),
  row('nvml', 14, 'CORRUPTED_INFOROM'),
  row('nvml', 15, 'GPU_IS_LOST', DeviceLostError),
  row('nvml', 16, 'RESET_REQUIRED', DeviceLostError),
  row('nvml', 17, 'OPERATING_SYSTEM'),
  row('nvml', 18, 'LIB_RM_VERSION_MISMATCH', DriverInitError),
  row('nvml', 19, 'IN_USE'),
  row('nvml', 20, 'MEMORY'),
  row('nvml', 21, 'NO_DATA'),
  row('nvml', 999, 'UNKNOWN'),
  row('rocm_smi', 1, 'STATUS_INVALID_ARGS'),
  row('rocm_smi', 2, 'STATUS_NOT_SUPPORTED', NotSupportedError),
  row('rocm_smi', 3, 'STATUS_FILE_ERROR'),
  row('rocm_smi', 4, 'STATUS_PERMISSION', DriverPermissionError),
  row('rocm_smi', 5, 'STATUS_OUT_OF_RESOURCES'),
  row('rocm_smi', 6, 'STATUS_INTERNAL_EXCEPTION'),
  row('rocm_smi', 7, 'STATUS_INPUT_OUT_OF_BOUNDS'),
  row('rocm_smi', 8, 'STATUS_INIT_ERROR', DriverInitError),
  row('rocm_smi', 9, 'STATUS_NOT_YET_IMPLEMENTED', NotSupportedError),
  row('rocm_smi', 10, 'STATUS_NOT_FOUND'),
  row('rocm_smi', 11, 'STATUS_INSUFFICIENT_SIZE'),
  row('rocm_smi', 12, 'STATUS_INTERRUPT'),
  row('rocm_smi', 13, 'STATUS_UNEXPECTED_SIZE'),
  row('rocm_smi', 14, 'STATUS_NO_DATA'),
  row('rocm_smi', 15, 'STATUS_UNEXPECTED_DATA'),
  row('rocm_smi', 16, 'STATUS_BUSY'),
  row('rocm_smi', 17, 'STATUS_REFCOUNT_OVERFLOW'),
  row('rocm_smi', 18, 'STATUS_SETTING_UNAVAILABLE'),
  row('rocm_smi', 19, 'STATUS_AMDGPU_RESTART_ERR', DeviceLostError),
  row('rocm_smi', 0xffffffff, 'STATUS_UNKNOWN_ERROR'),
];

const byKey = new Map<string, DriverErrorRow>(DRIVER_ERROR_TABLE.map((r) => [`${r.source}:${r.driverCode}`, r]));

/** The table row for a driver return code, if the code is known. */
export function driverErrorRow(source: DriverErrorRow['source'], driverCode: number): DriverErrorRow | undefined {
  return byKey.get(`${source}:${driverCode >>> 0}`);
}

/** Short name of a driver code for one-line reasons, e.g. `GPU_IS_LOST` or `RSMI_STATUS_NOT_SUPPORTED`. */
export function driverCodeName(source: DriverErrorRow['source'], driverCode: number): string {
  const found = driverErrorRow(source, driverCode);
  const name = found?.driverName ?? `UNKNOWN_${driverCode}`;
  return source === 'rocm_smi' ? `RSMI_${name}` : name;
}

/**
 * The typed error for a driver return code from `fn`. `detail` (e.g. `nvmlErrorString`) is appended when given.
 * Never throws itself.
 */
export function driverError(
  source: DriverErrorRow['source'],
  fn: string,
  driverCode: number,
  detail?: string,
): DriverError {
  const found = driverErrorRow(source, driverCode);
  const code = found?.code ?? (source === 'nvml' ? 'OJ_NVML_UNKNOWN' : 'OJ_RSMI_STATUS_UNKNOWN_ERROR');
  const ErrorClass = found?.errorClass ?? DriverError;
  const message = `${fn}: ${driverCodeName(source, driverCode)} (${driverCode})${detail ? `: ${detail}` : ''}`;
  return new ErrorClass(source, code, message, driverCode);
}

/** A one-line reason for anything thrown while opening or reading a source. */
export function reasonOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}
