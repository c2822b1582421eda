// Driver return codes → typed errors with stable codes, tested from one table.
import { describe, expect, it } from 'vitest';
import {
  DRIVER_ERROR_TABLE,
  DeviceLostError,
  DriverError,
  DriverInitError,
  DriverPermissionError,
  EnergyError,
  FfiUnavailableError,
  LibraryNotFoundError,
  NoDevicesError,
  NotSupportedError,
  PowermetricsDeniedError,
  PowermetricsExitedError,
  RaplUnreadableError,
  driverError,
  reasonOf,
} from '../../src/runtime/energy/sources/errors.js';

describe('driver error table', () => {
  it.each(DRIVER_ERROR_TABLE.map((row) => [row.code, row] as const))('%s', (_code, row) => {
    const error = driverError(row.source, 'fn', row.driverCode, 'detail');
    expect(error).toBeInstanceOf(row.errorClass);
    expect(error).toBeInstanceOf(DriverError);
    expect(error).toBeInstanceOf(EnergyError);
    expect(error).toMatchObject({ code: row.code, source: row.source, driverCode: row.driverCode });
    expect(error.message).toBe(`fn: ${row.source === 'rocm_smi' ? 'RSMI_' : ''}${row.driverName} (${row.driverCode}): detail`);
  });

  it('has unique codes and unique (source, driver code) pairs', () => {
    expect(new Set(DRIVER_ERROR_TABLE.map((r) => r.code)).size).toBe(DRIVER_ERROR_TABLE.length);
    expect(new Set(DRIVER_ERROR_TABLE.map((r) => `${r.source}:${r.driverCode}`)).size).toBe(DRIVER_ERROR_TABLE.length);
  });

  it.each([
    ['nvml', 3, NotSupportedError, 'OJ_NVML_NOT_SUPPORTED'],
    ['nvml', 15, DeviceLostError, 'OJ_NVML_GPU_IS_LOST'],
    ['nvml', 9, DriverInitError, 'OJ_NVML_DRIVER_NOT_LOADED'],
    ['nvml', 4, DriverPermissionError, 'OJ_NVML_NO_PERMISSION'],
    ['rocm_smi', 2, NotSupportedError, 'OJ_RSMI_STATUS_NOT_SUPPORTED'],
    ['rocm_smi', 8, DriverInitError, 'OJ_RSMI_STATUS_INIT_ERROR'],
    ['rocm_smi', 4, DriverPermissionError, 'OJ_RSMI_STATUS_PERMISSION'],
    ['rocm_smi', 0xffffffff, DriverError, 'OJ_RSMI_STATUS_UNKNOWN_ERROR'],
  ] as const)('%s %i → %o %s', (source, code, ErrorClass, stable) => {
    const error = driverError(source, 'fn', code);
    expect(error).toBeInstanceOf(ErrorClass);
    expect(error.code).toBe(stable);
  });

  it('maps unknown codes to a generic error that still carries the number', () => {
    expect(driverError('nvml', 'nvmlFoo', 4242)).toMatchObject({ code: 'OJ_NVML_UNKNOWN', driverCode: 4242, message: 'nvmlFoo: UNKNOWN_4242 (4242)' });
    expect(driverError('rocm_smi', 'rsmi_foo', 77).code).toBe('OJ_RSMI_STATUS_UNKNOWN_ERROR');
  });
});

describe('non-driver errors', () => {
  it.each([
    [new LibraryNotFoundError('nvml', 'x'), 'OJ_LIBRARY_NOT_FOUND'],
    [new FfiUnavailableError('rocm_smi', 'x'), 'OJ_FFI_UNAVAILABLE'],
    [new NoDevicesError('rapl', 'x'), 'OJ_NO_DEVICES'],
    [new RaplUnreadableError('x'), 'OJ_RAPL_UNREADABLE'],
    [new PowermetricsDeniedError('x'), 'OJ_POWERMETRICS_DENIED'],
    [new PowermetricsExitedError('x'), 'OJ_POWERMETRICS_EXITED'],
  ] as const)('%s has code %s', (error, code) => {
    expect(error).toBeInstanceOf(EnergyError);
    expect(error.code).toBe(code);
  });

  it('reduces anything thrown to one line', () => {
    expect(reasonOf(new Error('a\nb'))).toBe('a');
    expect(reasonOf('plain')).toBe('plain');
  });
});
