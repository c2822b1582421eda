// ROCm SMI backend against a C double with librocm_smi64's real ABI, loaded through our real koffi bindings.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import koffi from 'koffi';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { detectEnergySources } from '../../src/runtime/energy/sources/detect.js';
import { DriverInitError } from '../../src/runtime/energy/sources/errors.js';
import { RocmSmiSource } from '../../src/runtime/energy/sources/rocm-smi.js';
import { rocmCandidates } from '../../src/runtime/energy/sources/rocm-smi-ffi.js';
import type { EnergySource } from '../../src/runtime/energy/sources/source.js';
import { GAUGE_READ_PERIOD_MS } from '../../src/runtime/energy/sources/gauge-period.js';
import { buildDouble } from './helpers/doubles.js';

/** The library's counter_resolution: 15.3 as a C float. */
const RESOLUTION_UJ = Math.fround(15.3);
let library: string;
let control: string;
let setTimeMs: (ms: number) => void;
let refcount: () => number;
const open: EnergySource[] = [];

function configure(lines: Record<string, string | number>): void {
  writeFileSync(control, Object.entries(lines).map(([k, v]) => `${k}=${v}\n`).join(''));
}

function openRocm(): RocmSmiSource {
  const source = RocmSmiSource.open({ rocmLibrary: library });
  open.push(source);
  return source;
}

/** What the double's accumulator holds after `ms` at `watts`, in counts, as C computes it. */
function counts(watts: number, ms: number): number {
  return Math.floor((watts * 1e6 * ms) / 1000 / RESOLUTION_UJ);
}

beforeAll(() => {
  library = buildDouble('rocm_smi');
  control = join(mkdtempSync(join(tmpdir(), 'oj-rocm-')), 'control');
  process.env.OJ_ROCM_DOUBLE_CONTROL = control;
  const lib = koffi.load(library);
  setTimeMs = lib.func('void ojtest_set_time_ms(double ms)');
  refcount = lib.func('int ojtest_refcount(void)');
});

afterEach(() => {
  for (const source of open.splice(0)) source.close();
});

describe('RocmSmiSource', () => {
  it('converts counts × counter_resolution µJ to joules exactly', () => {
    configure({ clock: 'fake', devices: 2, power_uw: 300000000 });
    const source = openRocm();
    expect(source.devices()[1]).toMatchObject({
      id: 'rocm_smi:1', name: 'AMD Instinct Test Double 1', vendor: 'amd', hwType: 'gpu', component: 'gpu', method: 'counter', uuid: '0x1234abcd0001',
    });
    setTimeMs(1000);
    const [r0] = source.read();
    expect(r0!.energyJoules).toBeCloseTo((counts(300, 1000) * RESOLUTION_UJ) / 1e6, 9);
    expect(r0!.energyJoules).toBeCloseTo(300, 2);
    expect(r0).toMatchObject({ powerWatts: 300, utilization: 0.64, memoryUsedBytes: 5 * 2 ** 30, memoryTotalBytes: 192 * 2 ** 30, temperatureCelsius: 61, powerLimitWatts: 750 });
    expect(refcount()).toBe(1);
  });

  it('reads busy percent, VRAM used and edge temperature every 250 ms, in the units of rocm_smi.h', async () => {
    configure({ clock: 'fake', busy_percent: '1000:10,1000:75', memory_used_mib: '1000:2048,1000:8192', temperature: '1000:45,1000:80' });
    const source = openRocm();
    setTimeMs(500);
    expect(source.read()[0]).toMatchObject({ utilization: 0.1, memoryUsedBytes: 2 * 2 ** 30, temperatureCelsius: 45 });
    setTimeMs(1500);
    await new Promise((resolve) => setTimeout(resolve, GAUGE_READ_PERIOD_MS + 20));
    expect(source.read()[0]).toMatchObject({ utilization: 0.75, memoryUsedBytes: 8 * 2 ** 30, temperatureCelsius: 80 });
    configure({ clock: 'fake', gauges_not_supported: 1 });
    source.close();
    const bare = openRocm();
    setTimeMs(500);
    const [r] = bare.read();
    expect(r!.energyJoules).toBeGreaterThan(0);
    expect(r).not.toHaveProperty('utilization');
    expect(r).not.toHaveProperty('temperatureCelsius');
  });

  it("measures the accumulator's tick at start-up (ROCm has no documented period)", () => {
    configure({ tick_ms: 20, tick_phase_ms: 7 });
    const source = openRocm();
    expect(source.devices()[0]!.counterPeriodMs).toBeUndefined();
    source.measureTiming();
    const info = source.devices()[0]!;
    expect(info.counterPeriodMeasured).toBe(true);
    expect(info.counterPeriodMs).toBeGreaterThan(19.8);
    expect(info.counterPeriodMs).toBeLessThan(20.2);
    expect(Number.isFinite(info.counterPhaseMs)).toBe(true);
  });

  it('catches the ticks of a 1 ms accumulator now and then, so the timeline knows their phase', async () => {
    configure({ tick_ms: 1, tick_phase_ms: 0.3 });
    const source = openRocm();
    source.measureTiming();
    expect(source.devices()[0]!.counterPeriodMs).toBeCloseTo(1, 2);
    const edges: number[] = [];
    // A few percent of reads land just before a tick, and catching is rate-limited to a few a second; a busy host
    // spoils some catches (the thread descheduled past the tick), so allow time.
    const deadline = performance.now() + 10_000;
    while (edges.length === 0 && performance.now() < deadline) {
      const readings = source.read();
      // A catch adds the read just before a tick and the one just after it, ahead of the pass's own reading.
      if (readings.length === 3) edges.push(readings[1]!.timeMs - readings[0]!.timeMs);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    expect(edges.length).toBe(1);
    expect(edges[0]).toBeLessThan(0.3);
  });

  it('carries a 32-bit accumulator across its wrap', () => {
    const start = 2 ** 32 - 296;
    configure({ clock: 'fake', power_uw: 300000000, counter_bits: 32, counter_start: start });
    const source = openRocm();
    setTimeMs(100);
    const [reading] = source.read();
    // The accumulator went from 2^32 - 296 past 2^32 to a small value; the delta is what it advanced.
    expect(reading!.energyJoules).toBeCloseTo((counts(300, 100) * RESOLUTION_UJ) / 1e6, 9);
    expect(reading!.energyJoules).toBeCloseTo(30, 2);
    expect(source.faults()).toEqual([]);
  });

  it('treats a counter reset as a skipped interval, never negative joules', () => {
    // 64-bit counter at 1e9 counts (between 2^31 and 2^32, where a reset looks most like a 32-bit wrap).
    configure({ clock: 'fake', power_uw: 300000000, counter_start: 1e9, reset_at_ms: 500 });
    const source = openRocm();
    setTimeMs(400);
    const before = source.read()[0]!.energyJoules!;
    expect(before).toBeCloseTo(120, 2);
    setTimeMs(600);
    expect(source.read()[0]!.energyJoules).toBe(before);
    expect(source.faults()).toEqual(['rocm_smi:0: energy counter went backwards (reset or glitch); interval skipped']);
    setTimeMs(700);
    expect(source.read()[0]!.energyJoules).toBeCloseTo(before + 30, 2);
  });

  it('survives a backward glitch of the accumulator', () => {
    configure({ clock: 'fake', power_uw: 300000000, backward_at_ms: 205, backward_counts: 1000000 });
    const source = openRocm();
    const seen: number[] = [];
    for (const t of [100, 200, 210, 300, 400]) {
      setTimeMs(t);
      seen.push(source.read()[0]!.energyJoules!);
    }
    for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThanOrEqual(seen[i - 1]!);
    expect(seen[4]! - seen[3]!).toBeCloseTo(30, 2);
  });

  it('integrates socket power when the energy counter is NOT_SUPPORTED, and says so', () => {
    configure({ energy_not_supported: 1, power_uw: 250000000 });
    const source = openRocm();
    expect(source.devices()[0]).toMatchObject({ method: 'power_integration' });
    expect(source.devices()[0]!.note).toMatch(/NOT_SUPPORTED.*rsmi_dev_current_socket_power_get/);
    const [reading] = source.read();
    expect(reading!.powerWatts).toBe(250);
    expect(reading!.energyJoules!).toBeGreaterThanOrEqual(0);
  });

  it('turns an init error into a reason and leaves the library shut down', async () => {
    configure({ init_error: 8 });
    expect(() => openRocm()).toThrow(DriverInitError);
    const result = await detectEnergySources({ sources: ['rocm_smi'], rocmLibrary: library, raplRoot: '/x', sampleIntervalMs: 10 });
    expect(result.unavailable).toEqual([
      { source: 'rocm_smi', reason: expect.stringMatching(/^rsmi_init: RSMI_STATUS_INIT_ERROR \(8\)/) as unknown as string },
    ]);
    expect(refcount()).toBe(0);
  });

  it('reports a missing library with what was tried', async () => {
    const result = await detectEnergySources({ sources: ['rocm_smi'], rocmLibrary: '/nonexistent/librocm_smi64.so', raplRoot: '/x', sampleIntervalMs: 10 });
    expect(result.unavailable[0]!.reason).toMatch(/^\/nonexistent\/librocm_smi64\.so: not loadable/);
  });

  it('tries the SONAMEs ROCm and distributions ship, then /opt/rocm/lib', () => {
    const names = rocmCandidates(undefined);
    expect(names.slice(0, 5)).toEqual(['librocm_smi64.so', 'librocm_smi64.so.7', 'librocm_smi64.so.6', 'librocm_smi64.so.5', 'librocm_smi64.so.1']);
    expect(names).toContain(join(process.env.ROCM_PATH ?? '/opt/rocm', 'lib', 'librocm_smi64.so.7'));
  });
});
