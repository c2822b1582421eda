/**
 * CPU packages and DRAM through Linux RAPL's powercap sysfs tree (`/sys/class/powercap`), Intel and AMD (Zen).
 *
 * Which zones become devices, so that nothing is counted twice:
 * - a package zone (`intel-rapl:N`, name `package-N` or `package-N-die-D`) → one `cpu` device;
 * - a `dram` zone, top-level or a subzone of a package (`intel-rapl:N:M`) → one `dram` device: the RAPL DRAM domain
 *   is not part of the package domain, sysfs merely nests it;
 * - `core` and `uncore` subzones are parts of their package and are NOT devices (summing them with the package would
 *   count them twice);
 * - `psys` (the whole platform) contains the packages and is NOT a device;
 * - `intel-rapl-mmio:N` is a second interface to the same package counter and is used only when no MSR package zone
 *   exists.
 * Every device is therefore safe to sum into `energy.cpu.joules` / `energy.dram.joules`.
 */
import { closeSync, openSync, readFileSync, readSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { nowEpochMs } from './clock.js';
import type { EnergyConfig } from './config.js';
import { NoDevicesError, RaplUnreadableError } from './errors.js';
import type { DeviceInfo, DeviceReading, EnergySource } from './source.js';
import { FAST_COUNTER_MAX_PERIOD_MS, TickEdgeCatcher } from './tick-edge.js';
import { DEFAULT_PROBE_BUDGET, measuredTiming, probeChannels, type ProbeBudget } from './tick-probe.js';
import { stallThresholdMs, timedCall } from './timed-call.js';
import { CounterTracker } from './wraparound.js';
import { FaultLog } from './fault-log.js';

/** Default powercap root. */
export const DEFAULT_RAPL_ROOT = '/sys/class/powercap';
/** RAPL's MSRs update about every millisecond. */
const RAPL_COUNTER_PERIOD_MS = 1;

// AMD Zen exposes the same `intel-rapl` control type (intel_rapl_common matches AMD families 17h/19h/1Ah).
const ZONE_DIR = /^(intel-rapl|intel-rapl-mmio)(:\d+)+$/;

interface Zone {
  /** Directory name, e.g. `intel-rapl:0:2`. */
  readonly dir: string;
  readonly prefix: string;
  readonly depth: number;
  /** Contents of `name`, e.g. `package-0`, `dram`, `core`. */
  readonly zoneName: string;
  readonly parentName?: string;
}

interface ZoneState {
  /** Replaced once by measureTiming with what was measured. */
  info: DeviceInfo;
  readonly path: string;
  readonly fd: number;
  readonly tracker: CounterTracker;
  lastFault: string | undefined;
  /** Catches the MSR's ticks now and then (tick-edge.ts), once its period is measured. */
  catcher?: TickEdgeCatcher;
  /** A read slower than this (ms) is made again (timed-call.ts). */
  stallMs?: number;
}

/** An open set of RAPL zones. read() does one `pread` of `energy_uj` per zone. */
export class RaplSource implements EnergySource {
  readonly name = 'rapl' as const;
  private readonly _zones: ZoneState[];
  private _devices: DeviceInfo[];
  private readonly _buffer = Buffer.alloc(32);
  private readonly _faults: FaultLog;
  private _closed = false;

  private constructor(zones: ZoneState[], faults: string[]) {
    this._zones = zones;
    this._devices = zones.map((z) => z.info);
    this._faults = new FaultLog(faults);
  }

  /**
   * Scans `config.raplRoot`. Throws {@link RaplUnreadableError} when zones exist but no `energy_uj` can be read
   * (root-only since CVE-2020-8694), {@link NoDevicesError} when there are no zones.
   */
  static open(config: Pick<EnergyConfig, 'raplRoot'> = { raplRoot: DEFAULT_RAPL_ROOT }): RaplSource {
    const root = config.raplRoot || DEFAULT_RAPL_ROOT;
    const chosen = chooseZones(root);
    if (chosen.length === 0) throw new NoDevicesError('rapl', `${root}: no RAPL package or dram zone`);
    const vendor = cpuVendor();
    const states: ZoneState[] = [];
    const unreadable: string[] = [];
    const faults: string[] = [];
    for (const zone of chosen) {
      const path = join(root, zone.dir);
      let fd: number | undefined;
      try {
        fd = openSync(join(path, 'energy_uj'), 'r');
        const first = readCounter(fd, Buffer.alloc(32));
        const wrapAt = readNumber(join(path, 'max_energy_range_uj'));
        if (wrapAt === undefined) faults.push(`rapl:${zone.dir}: max_energy_range_uj unreadable; counter wraps cannot be corrected`);
        const tracker = new CounterTracker({ wrapAt });
        tracker.update(first);
        // energy_uj is the MSR's, read alike by every process: host-wide modulo its range (µJ → J here).
        const hostWide = wrapAt === undefined ? {} : { counterOriginJoules: first / 1e6, counterWrapJoules: wrapAt / 1e6 };
        states.push({ info: { ...deviceInfo(zone, vendor), ...hostWide }, path, fd, tracker, lastFault: undefined });
      } catch (error) {
        if (fd !== undefined) closeSync(fd);
        unreadable.push(`${join(path, 'energy_uj')}: ${errorCode(error)}`);
      }
    }
    if (states.length === 0) {
      throw new RaplUnreadableError(`${unreadable[0] ?? root}${hint(unreadable)}`);
    }
    for (const u of unreadable) faults.push(`rapl: ${u}${hint([u])}`);
    return new RaplSource(states, faults);
  }

  devices(): readonly DeviceInfo[] {
    return this._devices;
  }

  read(): DeviceReading[] {
    if (this._closed) return [];
    const readings: DeviceReading[] = [];
    for (let i = 0; i < this._zones.length; i++) {
      const zone = this._zones[i]!;
      // A tick due within moments is caught (read on both sides of it) before anything else: the read after it is this
      // pass's reading. Otherwise the read waits clear of the tick it would land on (tick-edge.ts).
      const edge = zone.catcher?.maybeCatch(nowEpochMs(), () => this._counterJoules(zone), nowEpochMs);
      if (edge) {
        for (const { timeMs: t, value } of edge) readings.push({ deviceIndex: i, timeMs: t, energyJoules: value });
        continue;
      }
      let joules: number | undefined;
      const read = (): boolean => (joules = this._counterJoules(zone)) !== undefined;
      const stallMs = zone.stallMs ?? stallThresholdMs(NaN);
      const timeMs = zone.catcher ? zone.catcher.timedReadClearOfTick(read, stallMs, nowEpochMs) : timedCall(read, stallMs);
      if (joules === undefined) continue;
      readings.push({ deviceIndex: i, timeMs, energyJoules: joules });
    }
    return readings;
  }

  /** Reads a zone's energy_uj into its running total; its joules, or undefined when the read failed. */
  private _counterJoules(zone: ZoneState): number | undefined {
    let raw: number;
    try {
      raw = readCounter(zone.fd, this._buffer);
    } catch (error) {
      this._faults.addFor(zone, `${zone.info.id}: energy_uj unreadable: ${errorCode(error)}`);
      return undefined;
    }
    if (zone.tracker.update(raw) === 'reset') {
      this._faults.addFor(zone, `${zone.info.id}: energy_uj went backwards beyond a wrap (reset?); interval skipped`);
    } else {
      zone.lastFault = undefined;
    }
    // µJ → J once, here.
    return zone.tracker.total / 1e6;
  }

  faults(): string[] {
    return this._faults.take();
  }

  /** Measures each zone's update period (≈1 ms for the MSRs behind it; 1/1024 s on some parts) by polling energy_uj. */
  measureTiming(budget: ProbeBudget = DEFAULT_PROBE_BUDGET): void {
    if (this._closed) return;
    const buffer = Buffer.alloc(32);
    const channels = this._zones.map((zone) => () => {
      try {
        return readCounter(zone.fd, buffer);
      } catch {
        return undefined;
      }
    });
    // A 1 ms counter needs a few ms, not the budget a 100 ms one does.
    const timings = probeChannels(channels, nowEpochMs, { ...budget, changes: Math.max(budget.changes, 20) });
    this._zones.forEach((zone, i) => {
      const timing = timings[i];
      zone.info = { ...zone.info, ...measuredTiming(timing, undefined) };
      const { counterPeriodMs: period, counterPhaseMs: phase } = zone.info;
      if (timing) zone.stallMs = stallThresholdMs(timing.callMs, zone.info.counterPeriodMeasured ? period : undefined);
      if (timing && zone.info.counterPeriodMeasured && period! <= FAST_COUNTER_MAX_PERIOD_MS && phase !== undefined) {
        zone.catcher = new TickEdgeCatcher(period!, phase, timing.callMs);
      }
    });
    this._devices = this._zones.map((z) => z.info);
  }

  close(): void {
    if (this._closed) return;
    this._closed = true;
    for (const zone of this._zones) {
      try {
        closeSync(zone.fd);
      } catch {
        // Already closed: nothing to release.
      }
    }
  }

}

/** Lists the zones under `root` and keeps those that become devices (see the file comment). */
function chooseZones(root: string): Zone[] {
  let entries: string[];
  try {
    entries = readdirSync(root);
  } catch {
    return [];
  }
  const zones: Zone[] = [];
  for (const dir of entries.filter((e) => ZONE_DIR.test(e)).sort(compareZoneDirs)) {
    const zoneName = readText(join(root, dir, 'name'));
    if (zoneName === undefined) continue;
    const parts = dir.split(':');
    const prefix = parts[0]!;
    const depth = parts.length - 1;
    const parentName = depth > 1 ? readText(join(root, parts.slice(0, -1).join(':'), 'name')) : undefined;
    zones.push({ dir, prefix, depth, zoneName, parentName });
  }
  const isPackage = (z: Zone): boolean => z.depth === 1 && z.zoneName.startsWith('package');
  const hasMsrPackage = zones.some((z) => isPackage(z) && z.prefix !== 'intel-rapl-mmio');
  return zones.filter((z) => {
    if (z.prefix === 'intel-rapl-mmio' && hasMsrPackage) return false;
    if (isPackage(z)) return true;
    return z.zoneName === 'dram';
  });
}

/** Numeric order of `intel-rapl:10` after `intel-rapl:9`. */
function compareZoneDirs(a: string, b: string): number {
  const pa = a.split(':');
  const pb = b.split(':');
  if (pa[0] !== pb[0]) return (pa[0] ?? '').localeCompare(pb[0] ?? '');
  for (let i = 1; i < Math.max(pa.length, pb.length); i++) {
    const d = Number(pa[i] ?? -1) - Number(pb[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

function deviceInfo(zone: Zone, vendor: string): DeviceInfo {
  const dram = zone.zoneName === 'dram';
  return {
    id: `rapl:${zone.dir}`,
    name: zone.parentName ? `${zone.parentName}/${zone.zoneName}` : zone.zoneName,
    vendor,
    hwType: dram ? 'memory' : 'cpu',
    component: dram ? 'dram' : 'cpu',
    source: 'rapl',
    method: 'counter',
    counterPeriodMs: RAPL_COUNTER_PERIOD_MS,
  };
}

/** The CPU vendor from /proc/cpuinfo: the zone names are the same on Intel and AMD. */
function cpuVendor(): string {
  const cpuinfo = readText('/proc/cpuinfo') ?? '';
  if (/AuthenticAMD/.test(cpuinfo)) return 'amd';
  if (/HygonGenuine/.test(cpuinfo)) return 'hygon';
  return 'intel';
}

function readCounter(fd: number, buffer: Buffer): number {
  const n = readSync(fd, buffer, 0, buffer.length, 0);
  const value = Number(buffer.toString('ascii', 0, n).trim());
  if (!Number.isFinite(value) || n === 0) throw Object.assign(new Error('not a number'), { code: 'EINVAL' });
  return value;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function readNumber(path: string): number | undefined {
  const text = readText(path);
  const value = text === undefined || text === '' ? Number.NaN : Number(text);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : error instanceof Error ? error.message : String(error);
}

function hint(reasons: readonly string[]): string {
  return reasons.some((r) => /EACCES|EPERM/.test(r))
    ? ' (energy_uj is root-only since CVE-2020-8694: run as root or `sudo chmod a+r /sys/class/powercap/*/energy_uj`)'
    : '';
}
