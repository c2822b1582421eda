/**
 * An ESTIMATE of CPU energy, CodeCarbon's fallback: power = TDP × CPU utilization. Never a measurement, never picked
 * by `auto`: only opened when OPENJOULES_ENERGY_SOURCES names `estimate`, and every device says `method: estimate`.
 *
 * Utilization is the whole host's, from `os.cpus()` time deltas between reads (busy = user + nice + sys + irq over the
 * total): the TDP belongs to the whole package, so host load is the quantity it scales with, and it needs no
 * privilege. Per-process CPU time would attribute the package's power to this process only; that is the span
 * processor's business (attribution), not the device's.
 */
import { cpus } from 'node:os';
import { readFileSync } from 'node:fs';
import { nowEpochMs } from './clock.js';
import type { EnergyConfig } from './config.js';
import type { DeviceInfo, DeviceReading, EnergySource } from './source.js';

/** CodeCarbon's default when the CPU is not in its table. */
export const DEFAULT_CPU_TDP_WATTS = 85;
/** os.cpus() walks every core; no point doing it more often than this. */
const MIN_READ_INTERVAL_MS = 100;

/** A small table of common CPUs (vendor TDP / default PPT, W), matched on the `model name` of /proc/cpuinfo. */
const TDP_TABLE: ReadonlyArray<readonly [RegExp, number]> = [
  [/EPYC 9654/i, 360],
  [/EPYC 9554/i, 360],
  [/EPYC 7763/i, 280],
  [/EPYC 7543/i, 225],
  [/EPYC 7B13/i, 240],
  [/Xeon.*Platinum 8480/i, 350],
  [/Xeon.*Platinum 8380/i, 270],
  [/Xeon.*Platinum 8275CL/i, 240],
  [/Xeon.*Gold 6248/i, 150],
  [/Xeon.*E5-2686 v4/i, 145],
  [/Core.*i9-1[34]900K/i, 125],
  [/Core.*i7-1[234]700K/i, 125],
  [/Core.*i7-8550U/i, 15],
  [/Ryzen 9 7950X/i, 170],
  [/Ryzen 9 5950X/i, 105],
  [/Ryzen 7 5800X/i, 105],
];

/** The TDP used and where it came from. */
export function resolveCpuTdp(configured: number | undefined, modelName: string): { watts: number; from: string } {
  if (configured !== undefined && configured > 0) return { watts: configured, from: 'OPENJOULES_CPU_TDP_WATTS' };
  for (const [pattern, watts] of TDP_TABLE) if (pattern.test(modelName)) return { watts, from: 'CPU model table' };
  return { watts: DEFAULT_CPU_TDP_WATTS, from: 'default' };
}

interface CpuTimes {
  busyMs: number;
  totalMs: number;
}

function hostCpuTimes(): CpuTimes {
  let busyMs = 0;
  let totalMs = 0;
  for (const cpu of cpus()) {
    const t = cpu.times;
    busyMs += t.user + t.nice + t.sys + t.irq;
    totalMs += t.user + t.nice + t.sys + t.irq + t.idle;
  }
  return { busyMs, totalMs };
}

/** The `estimate` source: one `cpu` device whose energy is TDP × host utilization, integrated between reads. */
export class EstimateSource implements EnergySource {
  readonly name = 'estimate' as const;
  private readonly _device: DeviceInfo;
  private readonly _tdpWatts: number;
  private _last: CpuTimes;
  private _lastMs: number;
  private _joules = 0;
  private _closed = false;

  private constructor(device: DeviceInfo, tdpWatts: number) {
    this._device = device;
    this._tdpWatts = tdpWatts;
    this._last = hostCpuTimes();
    this._lastMs = performance.now();
  }

  /** Never fails: with no CPU information it estimates from the default TDP. */
  static open(config: Pick<EnergyConfig, 'cpuTdpWatts'> = {}): EstimateSource {
    const model = cpuModelName();
    const tdp = resolveCpuTdp(config.cpuTdpWatts, model);
    const device: DeviceInfo = {
      id: 'estimate:cpu',
      name: model || 'CPU',
      vendor: cpuVendorName(model),
      hwType: 'cpu',
      component: 'cpu',
      source: 'estimate',
      method: 'estimate',
      note: `estimate, not a measurement: TDP ${tdp.watts} W (${tdp.from}) × host CPU utilization`,
    };
    return new EstimateSource(device, tdp.watts);
  }

  devices(): readonly DeviceInfo[] {
    return [this._device];
  }

  read(): DeviceReading[] {
    if (this._closed) return [];
    const now = performance.now();
    if (now - this._lastMs < MIN_READ_INTERVAL_MS) return [];
    const times = hostCpuTimes();
    const dTotal = times.totalMs - this._last.totalMs;
    const utilization = dTotal > 0 ? Math.min(1, Math.max(0, (times.busyMs - this._last.busyMs) / dTotal)) : 0;
    const watts = this._tdpWatts * utilization;
    this._joules += (watts * (now - this._lastMs)) / 1000;
    this._last = times;
    this._lastMs = now;
    return [{ deviceIndex: 0, timeMs: nowEpochMs(), energyJoules: this._joules, averagePowerWatts: watts, utilization }];
  }

  close(): void {
    this._closed = true;
  }
}

function cpuModelName(): string {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (match?.[1]) return match[1].trim();
  } catch {
    // Not Linux: os.cpus() has the model too.
  }
  return cpus()[0]?.model?.trim() ?? '';
}

function cpuVendorName(model: string): string {
  if (/AMD|EPYC|Ryzen/i.test(model)) return 'amd';
  if (/Intel|Xeon|Core/i.test(model)) return 'intel';
  if (/Apple/i.test(model)) return 'apple';
  return 'unknown';
}
