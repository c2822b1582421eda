/**
 * `openjoules devices`: every energy source detected, every one not detected with its reason, and a live power
 * readout per device (read, wait `--interval-ms`, read again). koffi is loaded only when the command runs, through
 * detection's on-demand imports.
 */
import { energyConfigFromEnv, type EnergyConfig } from '../../runtime/energy/sources/config.js';
import { detectEnergySources } from '../../runtime/energy/sources/detect.js';
import type { DeviceInfo, DeviceReading, EnergySource, EnergySourceName } from '../../runtime/energy/sources/source.js';
import { defineCliCommand } from './command.js';
import { COMMANDS } from './commands.js';
import { EXIT } from './exit-codes.js';
import { envOf, say, type CommandIo } from './io.js';

/** Default wait between the two reads, ms. */
export const DEFAULT_DEVICES_INTERVAL_MS = 1000;

/** One device in the `--json` output. */
export interface DeviceReport extends DeviceInfo {
  /** Watts over the readout: from the energy delta when there is one, else the driver's power field. */
  readonly powerWatts?: number;
  /** Where `powerWatts` came from. */
  readonly powerFrom?: 'energy_delta' | 'power_field' | 'average_power_field';
  readonly utilization?: number;
  readonly temperatureCelsius?: number;
  readonly memoryUsedBytes?: number;
  readonly memoryTotalBytes?: number;
  readonly powerLimitWatts?: number;
}

/** The `--json` document. */
export interface DevicesReport {
  readonly intervalMs: number;
  readonly sources: ReadonlyArray<{ readonly source: EnergySourceName; readonly devices: readonly DeviceReport[] }>;
  readonly unavailable: ReadonlyArray<{ readonly source: EnergySourceName; readonly reason: string }>;
  /** Faults the sources reported during the readout (e.g. a GPU lost). */
  readonly faults: readonly string[];
}

/** What {@link runDevices} needs from the process, so tests can run it in-process. */
export type DevicesIo = CommandIo;

/** The longest wait `--interval-ms` accepts, ms. */
export const MAX_DEVICES_INTERVAL_MS = 60_000;

/** Parsed options of `openjoules devices`. */
export interface DevicesArgs {
  readonly json: boolean;
  readonly intervalMs: number;
}

/** Detects, reads twice `intervalMs` apart, and builds the report. Closes every source it opened. */
export async function collectDevicesReport(config: EnergyConfig, intervalMs: number): Promise<DevicesReport> {
  const detection = await detectEnergySources(config);
  const faults: string[] = [];
  try {
    const first = detection.sources.map((s) => latestByDevice(s, faults));
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    const second = detection.sources.map((s) => latestByDevice(s, faults));
    const sources = detection.sources.map((source, i) => ({
      source: source.name,
      devices: source.devices().map((device, d) => report(device, first[i]?.get(d), second[i]?.get(d))),
    }));
    return { intervalMs, sources, unavailable: detection.unavailable, faults };
  } finally {
    for (const source of detection.sources) {
      try {
        source.close();
      } catch {
        // Closing is best effort; the process is about to exit anyway.
      }
    }
  }
}

/** Runs `openjoules devices` and returns its exit status (0; the report itself says what is missing). */
export async function runDevices(args: DevicesArgs, io: DevicesIo): Promise<number> {
  const warnings: string[] = [];
  const config = energyConfigFromEnv(envOf(io), (w) => warnings.push(w));
  for (const w of warnings) say(io.stderr, w);
  const result = await collectDevicesReport(config, args.intervalMs);
  io.stdout.write(args.json ? `${JSON.stringify(result, null, 2)}\n` : formatDevicesReport(result));
  return EXIT.OK;
}

/** The human-readable table. */
export function formatDevicesReport(result: DevicesReport): string {
  const lines: string[] = [];
  lines.push('Energy sources detected');
  if (result.sources.length === 0) lines.push('  (none)');
  const rows: string[][] = [['ID', 'NAME', 'TYPE', 'METHOD', 'POWER', 'COUNTER TICK', 'POWER REFRESH']];
  for (const { source, devices } of result.sources) {
    lines.push(`  ${source.padEnd(13)}${devices.length} device${devices.length === 1 ? '' : 's'}`);
    for (const d of devices) {
      const power = d.powerWatts === undefined ? '–' : `${d.powerWatts.toFixed(1)} W${d.powerFrom === 'energy_delta' ? '' : ' (driver)'}`;
      rows.push([d.id, d.name, d.hwType, d.method, power, counterTick(d), powerRefresh(d)]);
    }
  }
  if (result.unavailable.length > 0) {
    lines.push('', 'Not detected');
    for (const u of result.unavailable) lines.push(`  ${u.source.padEnd(13)}${u.reason}`);
  }
  if (rows.length > 1) {
    lines.push('', `Devices (power over ${result.intervalMs} ms)`);
    const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
    for (const r of rows) lines.push(`  ${r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  ').trimEnd()}`);
    const notes = result.sources.flatMap((s) => s.devices).filter((d) => d.note);
    for (const d of notes) lines.push(`  note ${d.id}: ${d.note}`);
  }
  if (result.faults.length > 0) {
    lines.push('', 'Faults');
    for (const f of result.faults) lines.push(`  ${f}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The counter's tick as measured at start-up, or the usual figure, marked as assumed. */
function counterTick(d: DeviceInfo): string {
  if (d.counterPeriodMs === undefined) return '–';
  if (d.counterPeriodMs === 0) return 'every read';
  return d.counterPeriodMeasured ? `${ms(d.counterPeriodMs)} measured` : `${ms(d.counterPeriodMs)} assumed`;
}

/** How often the instantaneous power reading refreshes, at most, as measured at start-up. */
function powerRefresh(d: DeviceInfo): string {
  if (d.powerRefreshMs === undefined) return '–';
  return d.powerRefreshMs === 0 ? 'every read' : `≤ ${ms(d.powerRefreshMs)}`;
}

function ms(value: number): string {
  return `${value >= 10 ? value.toFixed(1) : value.toFixed(3)} ms`;
}

function latestByDevice(source: EnergySource, faults: string[]): Map<number, DeviceReading> {
  const latest = new Map<number, DeviceReading>();
  try {
    for (const reading of source.read()) latest.set(reading.deviceIndex, reading);
    faults.push(...(source.faults?.() ?? []));
  } catch (error) {
    faults.push(`${source.name}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return latest;
}

function report(device: DeviceInfo, a: DeviceReading | undefined, b: DeviceReading | undefined): DeviceReport {
  const last = b ?? a;
  const extra = {
    utilization: last?.utilization,
    temperatureCelsius: last?.temperatureCelsius,
    memoryUsedBytes: last?.memoryUsedBytes,
    memoryTotalBytes: last?.memoryTotalBytes,
    powerLimitWatts: last?.powerLimitWatts,
  };
  if (a?.energyJoules !== undefined && b?.energyJoules !== undefined && b.timeMs > a.timeMs) {
    const watts = (b.energyJoules - a.energyJoules) / ((b.timeMs - a.timeMs) / 1000);
    return { ...device, powerWatts: watts, powerFrom: 'energy_delta', ...extra };
  }
  if (last?.powerWatts !== undefined) return { ...device, powerWatts: last.powerWatts, powerFrom: 'power_field', ...extra };
  if (last?.averagePowerWatts !== undefined) {
    return { ...device, powerWatts: last.averagePowerWatts, powerFrom: 'average_power_field', ...extra };
  }
  return { ...device, ...extra };
}

export default defineCliCommand({
  meta: { name: 'devices', description: COMMANDS.devices.description },
  args: {
    json: { type: 'boolean', description: 'Print JSON instead of a table', default: false },
    'interval-ms': {
      type: 'string',
      description: `Milliseconds between the two reads of the power readout, 0..${MAX_DEVICES_INTERVAL_MS} (default ${DEFAULT_DEVICES_INTERVAL_MS})`,
      default: String(DEFAULT_DEVICES_INTERVAL_MS),
    },
  },
  async run({ args, io }) {
    const intervalMs = Number(args['interval-ms']);
    if (!(Number.isFinite(intervalMs) && intervalMs >= 0 && intervalMs <= MAX_DEVICES_INTERVAL_MS)) {
      say(io.stderr, `openjoules devices: --interval-ms must be a number of ms in 0..${MAX_DEVICES_INTERVAL_MS}, got "${args['interval-ms']}"`);
      return EXIT.FAILED;
    }
    return runDevices({ json: Boolean(args.json), intervalMs }, io);
  },
});
