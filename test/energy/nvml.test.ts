// NVML backend against a C double with libnvidia-ml's real ABI, loaded through our real koffi bindings.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import koffi from 'koffi';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { detectEnergySources } from '../../src/runtime/energy/sources/detect.js';
import { DriverInitError, EnergyError, NoDevicesError } from '../../src/runtime/energy/sources/errors.js';
import { NvmlSource } from '../../src/runtime/energy/sources/nvml.js';
import type { EnergyConfig } from '../../src/runtime/energy/sources/config.js';
import type { EnergySource } from '../../src/runtime/energy/sources/source.js';
import { GAUGE_READ_PERIOD_MS } from '../../src/runtime/energy/sources/gauge-period.js';
import { buildDouble } from './helpers/doubles.js';

let library: string;
let control: string;
let setTimeMs: (ms: number) => void;
let refcount: () => number;
const open: EnergySource[] = [];

function configure(lines: Record<string, string | number>): void {
  writeFileSync(control, Object.entries(lines).map(([k, v]) => `${k}=${v}\n`).join(''));
}

function openNvml(): NvmlSource {
  const source = NvmlSource.open({ nvmlLibrary: library });
  open.push(source);
  return source;
}

function config(overrides: Partial<EnergyConfig> = {}): EnergyConfig {
  return { sources: ['nvml'], nvmlLibrary: library, raplRoot: '/nonexistent', sampleIntervalMs: 10, ...overrides };
}

beforeAll(() => {
  library = buildDouble('nvml');
  control = join(mkdtempSync(join(tmpdir(), 'oj-nvml-')), 'control');
  process.env.OJ_NVML_DOUBLE_CONTROL = control;
  // Test-only hooks of the double (not NVML symbols): same dlopen handle as the one our bindings use.
  const lib = koffi.load(library);
  setTimeMs = lib.func('void ojtest_set_time_ms(double ms)');
  refcount = lib.func('int ojtest_refcount(void)');
});

afterEach(() => {
  for (const source of open.splice(0)) source.close();
});

describe('NvmlSource', () => {
  it('reads the energy counter exactly, only up to its last 100 ms tick', () => {
    configure({ clock: 'fake', devices: 2, tick_ms: 100, profile: '250:100000,1000:300000' });
    const source = openNvml();
    expect(source.devices()).toEqual([
      expect.objectContaining({ id: 'nvml:0', name: 'NVIDIA Test Double 0', vendor: 'nvidia', hwType: 'gpu', component: 'gpu', source: 'nvml', method: 'counter', counterPeriodMs: 100, uuid: 'GPU-00000000-0000-0000-0000-000000000000' }),
      expect.objectContaining({ id: 'nvml:1', method: 'counter' }),
    ]);
    setTimeMs(50);
    expect(source.read().map((r) => r.energyJoules)).toEqual([0, 0]); // no tick yet: a short window reads 0 J
    setTimeMs(230);
    expect(source.read()[0]!.energyJoules).toBe(20); // 100 W × 0.2 s (tick at 200 ms)
    setTimeMs(480);
    const [r0, r1] = source.read();
    // 100 W × 0.25 s + 300 W × 0.15 s, up to the tick at 400 ms.
    expect(r0).toMatchObject({ deviceIndex: 0, energyJoules: 70, powerWatts: 300 });
    expect(r0!.averagePowerWatts).toBeUndefined();
    expect(r1).toMatchObject({ deviceIndex: 1, energyJoules: 70 });
    expect(r0).toMatchObject({ utilization: 0.42, memoryUsedBytes: 3 * 2 ** 30, memoryTotalBytes: 80 * 2 ** 30, temperatureCelsius: 55, powerLimitWatts: 700 });
    expect(Math.abs(r0!.timeMs - (performance.timeOrigin + performance.now()))).toBeLessThan(1000);
    expect(source.faults()).toEqual([]);
  });

  it('measures the counter tick and the instant field refresh at start-up instead of assuming them', () => {
    // Power that changes every 2 ms, so the instant field changes at every one of its 15 ms refreshes.
    const profile = Array.from({ length: 600 }, (_, i) => `2:${[100000, 250000, 175000][i % 3]}`).join(',');
    configure({ tick_ms: 40, tick_phase_ms: 3, instant_refresh_ms: 15, profile });
    const source = openNvml();
    expect(source.devices()[0]).toMatchObject({ counterPeriodMs: 100 });
    source.measureTiming();
    const info = source.devices()[0]!;
    expect(info.counterPeriodMeasured).toBe(true);
    expect(info.counterPeriodMs).toBeGreaterThan(39.5);
    expect(info.counterPeriodMs).toBeLessThan(40.5);
    expect(info.powerRefreshMs).toBeGreaterThanOrEqual(14.5);
    expect(info.powerRefreshMs).toBeLessThan(16);
  });

  it('keeps the usual 100 ms, not measured, when the counter does not move', () => {
    configure({ clock: 'fake' });
    const source = openNvml();
    source.measureTiming();
    expect(source.devices()[0]).toMatchObject({ counterPeriodMs: 100 });
    expect(source.devices()[0]!.counterPeriodMeasured).toBeUndefined();
  });

  it('reads a Grace Hopper module (scopeId 1) as a "module less GPU" CPU device, so nothing is counted twice', () => {
    configure({ clock: 'fake', power_mw: 300000, module_extra_mw: 120000 });
    const source = openNvml();
    expect(source.devices().map((d) => [d.id, d.component])).toEqual([
      ['nvml:0', 'gpu'],
      ['nvml:0:module', 'cpu'],
    ]);
    expect(source.devices()[1]!.name).toBe('NVIDIA Test Double 0 module less GPU (Grace CPU and memory)');
    setTimeMs(1000);
    const readings = source.read();
    expect(readings.map((r) => r.deviceIndex)).toEqual([0, 1]);
    expect(readings[0]!.energyJoules).toBeCloseTo(300, 6);
    expect(readings[1]!.energyJoules).toBeCloseTo(120, 6);
    expect(readings[1]!.powerWatts).toBeCloseTo(120, 6);
  });

  it('has no module device where scopeId 1 is not answered (not a superchip)', () => {
    configure({ clock: 'fake' });
    expect(openNvml().devices().map((d) => d.id)).toEqual(['nvml:0']);
  });

  it('balances nvmlInit_v2 and nvmlShutdown across opens; close is idempotent', () => {
    configure({ devices: 1 });
    const a = openNvml();
    const b = openNvml();
    expect(refcount()).toBe(2);
    a.close();
    a.close();
    expect(refcount()).toBe(1);
    b.close();
    expect(refcount()).toBe(0);
    expect(a.read()).toEqual([]);
  });

  it('falls back to integrating instant power when the energy counter is NOT_SUPPORTED, and says so', () => {
    configure({ energy_not_supported: 1, power_mw: 200000 });
    const t0 = performance.now();
    const source = openNvml();
    const t1 = performance.now();
    const device = source.devices()[0]!;
    expect(device.method).toBe('power_integration');
    expect(device.note).toMatch(/NOT_SUPPORTED.*NVML_FI_DEV_POWER_INSTANT/);
    const busyUntil = performance.now() + 30;
    while (performance.now() < busyUntil) {
      // wait a little without timers
    }
    const r0 = performance.now();
    const [reading] = source.read();
    const r1 = performance.now();
    expect(reading!.powerWatts).toBe(200);
    expect(reading!.energyJoules!).toBeGreaterThanOrEqual((200 * (r0 - t1)) / 1000);
    expect(reading!.energyJoules!).toBeLessThanOrEqual((200 * (r1 - t0)) / 1000);
  });

  it('integrates nvmlDeviceGetPowerUsage as an average when the instant field is missing too', () => {
    configure({ energy_not_supported: 1, instant_not_supported: 1, power_mw: 50000 });
    const source = openNvml();
    expect(source.devices()[0]!.note).toMatch(/nvmlDeviceGetPowerUsage/);
    const [reading] = source.read();
    expect(reading!.averagePowerWatts).toBe(50);
    expect(reading!.powerWatts).toBeUndefined();
    expect(reading!.energyJoules!).toBeGreaterThanOrEqual(0);
  });

  it('skips a GPU lost mid-run, reports it once, and keeps reading the others', () => {
    // The double counts energy/power calls on device 1: 3 at open (instant field, counter, module-scope energy), then
    // the 2nd call of the first read (the counter is read first, then the instant power field) fails.
    configure({ clock: 'fake', devices: 2, lost_device: 1, lost_after: 4 });
    const source = openNvml();
    setTimeMs(100);
    expect(source.read().map((r) => r.deviceIndex)).toEqual([0]);
    expect(source.faults()).toEqual(['nvml:1: GPU_IS_LOST (nvmlDeviceGetFieldValues); device skipped from now on']);
    setTimeMs(200);
    expect(source.read().map((r) => r.deviceIndex)).toEqual([0]);
    expect(source.faults()).toEqual([]);
  });

  it('never goes backwards when the counter restarts (driver reload)', () => {
    configure({ clock: 'fake', power_mw: 100000, energy_offset_mj: 5000000, reset_at_ms: 300 });
    const source = openNvml();
    setTimeMs(200);
    expect(source.read()[0]!.energyJoules).toBe(20);
    setTimeMs(400); // counter now reads 10 J since the reload, far below 5020 J
    expect(source.read()[0]!.energyJoules).toBe(20);
    expect(source.faults()[0]).toMatch(/nvml:0: energy counter went backwards/);
    setTimeMs(500);
    expect(source.read()[0]!.energyJoules).toBe(30);
  });

  it('turns an init error into a typed error and detection into a reason', async () => {
    configure({ init_error: 9 });
    let caught: unknown;
    try {
      openNvml();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DriverInitError);
    expect(caught).toMatchObject({ code: 'OJ_NVML_DRIVER_NOT_LOADED', driverCode: 9 });
    const result = await detectEnergySources(config());
    expect(result.sources).toEqual([]);
    expect(result.unavailable).toEqual([{ source: 'nvml', reason: 'nvmlInit_v2: DRIVER_NOT_LOADED (9): Driver Not Loaded' }]);
    expect(refcount()).toBe(0);
  });

  it('reports a missing library as OJ_LIBRARY_NOT_FOUND', async () => {
    let caught: unknown;
    try {
      NvmlSource.open({ nvmlLibrary: '/nonexistent/libnvidia-ml.so.1' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(EnergyError);
    expect(caught).toMatchObject({ code: 'OJ_LIBRARY_NOT_FOUND', source: 'nvml' });
    const result = await detectEnergySources(config({ nvmlLibrary: '/nonexistent/libnvidia-ml.so.1' }));
    expect(result.unavailable[0]!.reason).toMatch(/^\/nonexistent\/libnvidia-ml\.so\.1: not loadable: /);
  });

  it('reads utilization, memory used and temperature off the energy path, every 250 ms, as the driver has them', async () => {
    configure({ clock: 'fake', utilization: '1000:20,1000:90', memory_used_mib: '1000:1024,1000:4096', temperature: '1000:40,1000:70' });
    const source = openNvml();
    setTimeMs(500);
    expect(source.read()[0]).toMatchObject({ utilization: 0.2, memoryUsedBytes: 2 ** 30, temperatureCelsius: 40 });
    setTimeMs(1500);
    await new Promise((resolve) => setTimeout(resolve, GAUGE_READ_PERIOD_MS + 20));
    expect(source.read()[0]).toMatchObject({ utilization: 0.9, memoryUsedBytes: 4 * 2 ** 30, memoryTotalBytes: 80 * 2 ** 30, temperatureCelsius: 70 });
  });

  it('leaves the gauges out, and still measures energy, where the driver does not support them', () => {
    configure({ clock: 'fake', gauges_not_supported: 1 });
    const source = openNvml();
    setTimeMs(500);
    const [r] = source.read();
    expect(r!.energyJoules).toBeGreaterThan(0);
    // Unread fields stay undefined (one reading shape for V8; the ring stores them as absent).
    expect(r!.utilization).toBeUndefined();
    expect(r!.memoryUsedBytes).toBeUndefined();
    expect(r!.temperatureCelsius).toBeUndefined();
    expect(source.faults()).toEqual([]);
  });

  it('has no source without GPUs', () => {
    configure({ devices: 0 });
    expect(() => openNvml()).toThrow(NoDevicesError);
    expect(refcount()).toBe(0);
  });
});
