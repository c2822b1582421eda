// powermetrics backend against a stand-in program that writes powermetrics' real plist stream.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { detectEnergySources } from '../../src/runtime/energy/sources/detect.js';
import { PowermetricsDeniedError, PowermetricsExitedError } from '../../src/runtime/energy/sources/errors.js';
import { PowermetricsSource, powermetricsArgv, splitCommand } from '../../src/runtime/energy/sources/powermetrics.js';
import { loadPlistParser, PowermetricsStream } from '../../src/runtime/energy/sources/powermetrics-parser.js';
import type { DeviceReading, EnergySource } from '../../src/runtime/energy/sources/source.js';
import { powermetricsStandIn } from './helpers/doubles.js';

let program: string;
const open: EnergySource[] = [];

beforeAll(async () => {
  program = powermetricsStandIn();
  await loadPlistParser();
});

afterEach(() => {
  for (const source of open.splice(0)) source.close();
});

async function start(mode: string): Promise<PowermetricsSource> {
  const source = await PowermetricsSource.open({ powermetricsCommand: `${program} --mode=${mode}`, sampleIntervalMs: 100 });
  open.push(source);
  return source;
}

async function until<T>(fn: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = fn();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('PowermetricsSource', () => {
  it('adds up per-interval mJ into cumulative joules, stamped at the end of each interval', async () => {
    const source = await start('normal');
    expect(source.devices().map((d) => [d.id, d.component, d.hwType, d.vendor, d.counterPeriodMs])).toEqual([
      ['powermetrics:cpu', 'cpu', 'cpu', 'apple', 100],
      ['powermetrics:gpu', 'gpu', 'gpu', 'apple', 100],
      ['powermetrics:ane', 'ane', 'npu', 'apple', 100],
    ]);
    const readings: DeviceReading[] = [];
    await until(() => {
      readings.push(...source.read());
      return readings.filter((r) => r.deviceIndex === 0).length >= 4 ? true : undefined;
    });
    const cpu = readings.filter((r) => r.deviceIndex === 0);
    // A 0 J baseline at the start of the first interval, then 89, 90, 91 mJ (the stand-in adds 1 mJ per sample).
    expect(cpu.slice(0, 4).map((r) => r.energyJoules)).toEqual([0, 0.089, 0.179, 0.27]);
    expect(cpu[1]!.timeMs - cpu[0]!.timeMs).toBeCloseTo(100, 6);
    expect(cpu[1]!.averagePowerWatts).toBeCloseTo(0.89, 9);
    expect(readings.filter((r) => r.deviceIndex === 1).slice(0, 3).map((r) => r.energyJoules)).toEqual([0, 0.031, 0.062]);
    expect(readings.filter((r) => r.deviceIndex === 2)[1]!.energyJoules).toBe(0.005);
    for (let i = 1; i < cpu.length; i++) expect(cpu[i]!.timeMs).toBeGreaterThan(cpu[i - 1]!.timeMs);
    const pid = source.pid!;
    source.close();
    await until(() => (alive(pid) ? undefined : true));
  });

  it('keeps complete samples and drops a truncated last document when the program exits', async () => {
    const source = await start('truncate');
    const faults = await until(() => {
      const f = source.faults();
      return f.length ? f : undefined;
    });
    expect(faults).toEqual([expect.stringMatching(/exited with code 0; its last sample was truncated and dropped$/)]);
    const cpu = source.read().filter((r) => r.deviceIndex === 0);
    expect(cpu.map((r) => r.energyJoules)).toEqual([0, 0.089, 0.179, 0.27]);
  });

  it('reports a killed powermetrics as a fault', async () => {
    const source = await start('killed');
    const faults = await until(() => {
      const f = source.faults();
      return f.length ? f : undefined;
    });
    expect(faults).toEqual([expect.stringMatching(/was killed \(SIGKILL\)$/)]);
    expect(source.read().filter((r) => r.deviceIndex === 0).map((r) => r.energyJoules)).toEqual([0, 0.089, 0.179]);
  });

  it('turns a sudo refusal into OJ_POWERMETRICS_DENIED with sudo’s own words', async () => {
    await expect(start('denied')).rejects.toBeInstanceOf(PowermetricsDeniedError);
    const result = await detectEnergySources({
      sources: ['powermetrics'],
      powermetricsCommand: `${program} --mode=denied`,
      raplRoot: '/x',
      sampleIntervalMs: 10,
    });
    expect(result.unavailable).toEqual([{ source: 'powermetrics', reason: `${program}: sudo: a password is required` }]);
  });

  it('gives up on a program that never samples', async () => {
    const error = await PowermetricsSource.open(
      { powermetricsCommand: `${program} --mode=silent`, sampleIntervalMs: 100 },
      { startTimeoutMs: 300 },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PowermetricsExitedError);
    expect((error as Error).message).toMatch(/no sample within 300 ms/);
  });

  it('reports a missing program', async () => {
    const result = await detectEnergySources({ sources: ['powermetrics'], powermetricsCommand: '/nonexistent/powermetrics', raplRoot: '/x', sampleIntervalMs: 10 });
    expect(result.unavailable).toEqual([{ source: 'powermetrics', reason: '/nonexistent/powermetrics: not found' }]);
  });

  it('builds its command line: the configured command with its arguments, then the sampler flags', () => {
    expect(splitCommand(`sudo -n "/opt/my tools/powermetrics" --foo 'a b'`)).toEqual(['sudo', '-n', '/opt/my tools/powermetrics', '--foo', 'a b']);
    expect(powermetricsArgv({ powermetricsCommand: 'pm --x' }, 250)).toEqual(['pm', '--x', '--samplers', 'cpu_power,gpu_power,ane_power', '-i', '250', '-f', 'plist']);
    const isRoot = process.getuid?.() === 0;
    expect(powermetricsArgv({}, 100).slice(0, isRoot ? 1 : 3)).toEqual(isRoot ? ['/usr/bin/powermetrics'] : ['sudo', '-n', '/usr/bin/powermetrics']);
  });
});

describe('PowermetricsStream', () => {
  const doc = (mj: number): string =>
    `<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0"><dict><key>elapsed_ns</key><integer>1000000000</integer>` +
    `<key>processor</key><dict><key>cpu_energy</key><integer>${mj}</integer><key>cpu_energy</key><integer>${mj}</integer></dict>` +
    `<key>gpu</key><dict><key>gpu_energy</key><integer>7</integer></dict></dict></plist>\n`;

  it('splits NUL-separated documents whether the NUL ends one or starts the next, across chunk boundaries', () => {
    const stream = new PowermetricsStream();
    const bytes = `${doc(1)}\0${doc(2)}\0${doc(3)}\0`;
    const samples = [];
    for (let i = 0; i < bytes.length; i += 37) samples.push(...stream.push(bytes.slice(i, i + 37)));
    expect(samples.map((s) => s.cpuEnergyMillijoules)).toEqual([1, 2, 3]);
    // No gpu_energy under processor: the `gpu` dict's is used.
    expect(samples[0]!.gpuEnergyMillijoules).toBe(7);
    expect(stream.push(doc(4).slice(0, 80))).toEqual([]);
    expect(stream.pendingLength).toBeGreaterThan(0);
  });

  it('skips a complete document that is not a sample', () => {
    const stream = new PowermetricsStream();
    expect(stream.push('<plist version="1.0"><string>hi</string></plist>\0')).toEqual([]);
    expect(stream.errors).toBe(1);
  });
});
