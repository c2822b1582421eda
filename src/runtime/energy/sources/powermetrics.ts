/**
 * Apple Silicon CPU, GPU and ANE energy from one long-lived `powermetrics -f plist` child.
 *
 * powermetrics reports the energy consumed during each interval (mJ, with the real `elapsed_ns`); we add them up
 * into cumulative joules. A reading's `timeMs` is the END of its interval: the time its document arrived, because the
 * plist `timestamp` has one-second resolution. The first interval also yields a 0 J reading at its start, so the
 * timeline has a baseline. powermetrics needs root: it runs through `sudo -n` (never prompts) when we are not root.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { nowEpochMs } from './clock.js';
import type { EnergyConfig } from './config.js';
import { PowermetricsDeniedError, PowermetricsExitedError, type EnergyError } from './errors.js';
import { loadPlistParser, PowermetricsStream, type PowermetricsSample } from './powermetrics-parser.js';
import type { DeviceInfo, DeviceReading, EnergySource } from './source.js';
import { FaultLog } from './fault-log.js';

/** The shortest interval we ask for: powermetrics' own cost grows quickly below it. */
export const MIN_POWERMETRICS_INTERVAL_MS = 100;

/** Options of {@link PowermetricsSource.open}. */
export interface PowermetricsOptions {
  /** powermetrics `-i`, ms. Default: the sample interval, at least {@link MIN_POWERMETRICS_INTERVAL_MS}. */
  readonly intervalMs?: number;
  /** How long to wait for the first sample before giving up, ms. Default: max(5000, 3 intervals). */
  readonly startTimeoutMs?: number;
}

type Part = 'cpu' | 'gpu' | 'ane';

const PARTS: ReadonlyArray<{
  part: Part;
  energy: keyof PowermetricsSample;
  power: keyof PowermetricsSample;
  info: Pick<DeviceInfo, 'name' | 'hwType' | 'component'>;
}> = [
  { part: 'cpu', energy: 'cpuEnergyMillijoules', power: 'cpuPowerMilliwatts', info: { name: 'Apple CPU', hwType: 'cpu', component: 'cpu' } },
  { part: 'gpu', energy: 'gpuEnergyMillijoules', power: 'gpuPowerMilliwatts', info: { name: 'Apple GPU', hwType: 'gpu', component: 'gpu' } },
  { part: 'ane', energy: 'aneEnergyMillijoules', power: 'anePowerMilliwatts', info: { name: 'Apple Neural Engine', hwType: 'npu', component: 'ane' } },
];

const DENIED =
  /password is required|terminal is required|not in the sudoers|not allowed to execute|must be invoked as the superuser|must be run as root|operation not permitted|permission denied/i;

/** The argv to run: the configured command (which may carry arguments) or `[sudo -n] powermetrics`, then our flags. */
export function powermetricsArgv(config: Pick<EnergyConfig, 'powermetricsCommand'>, intervalMs: number): string[] {
  const flags = ['--samplers', 'cpu_power,gpu_power,ane_power', '-i', String(Math.round(intervalMs)), '-f', 'plist'];
  if (config.powermetricsCommand) return [...splitCommand(config.powermetricsCommand), ...flags];
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  return [...(isRoot ? [] : ['sudo', '-n']), '/usr/bin/powermetrics', ...flags];
}

/** A running powermetrics child. */
export class PowermetricsSource implements EnergySource {
  readonly name = 'powermetrics' as const;
  /** Its readings come in on the child's stdout, through the event loop. */
  readonly needsEventLoop = true;
  private readonly _child: ChildProcess;
  private readonly _stream = new PowermetricsStream();
  private readonly _intervalMs: number;
  private _devices: DeviceInfo[] = [];
  private _parts: Array<(typeof PARTS)[number]> = [];
  private readonly _totalsMillijoules = new Map<Part, number>();
  private _pending: DeviceReading[] = [];
  private readonly _faults = new FaultLog();
  private _stderr = '';
  private _failure: EnergyError | undefined;
  private _closed = false;
  private _sawSample = false;
  private _onFirst: ((error?: EnergyError) => void) | undefined;
  private readonly _killOnExit = (): void => {
    this._kill();
  };

  private constructor(child: ChildProcess, intervalMs: number) {
    this._child = child;
    this._intervalMs = intervalMs;
  }

  /**
   * Spawns powermetrics and resolves once its first sample has arrived (that sample says which parts exist).
   * Rejects with PowermetricsDeniedError (sudo refused) or PowermetricsExitedError (missing, exited, killed,
   * silent); the child is killed in every failure case.
   */
  static async open(
    config: Pick<EnergyConfig, 'powermetricsCommand' | 'sampleIntervalMs'>,
    options: PowermetricsOptions = {},
  ): Promise<PowermetricsSource> {
    await loadPlistParser();
    const intervalMs = Math.max(options.intervalMs ?? config.sampleIntervalMs, MIN_POWERMETRICS_INTERVAL_MS);
    const argv = powermetricsArgv(config, intervalMs);
    const startTimeoutMs = options.startTimeoutMs ?? Math.max(5000, 3 * intervalMs);
    return new Promise((resolve, reject) => {
      let child: ChildProcess;
      try {
        child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
      } catch (error) {
        reject(new PowermetricsExitedError(`${argv[0]}: ${error instanceof Error ? error.message : String(error)}`));
        return;
      }
      const source = new PowermetricsSource(child, intervalMs);
      // This timer is the only ref'd handle while we wait, so a CLI awaiting open() stays alive until it settles.
      const timer = setTimeout(() => {
        source._settle(new PowermetricsExitedError(`${argv[0]}: no sample within ${startTimeoutMs} ms`));
      }, startTimeoutMs);
      source._onFirst = (error) => {
        clearTimeout(timer);
        source._onFirst = undefined;
        if (error) {
          source.close();
          reject(error);
        } else {
          source._detach();
          resolve(source);
        }
      };
      source._attach(argv[0]!);
    });
  }

  /** The child's pid (sudo's when run through sudo). */
  get pid(): number | undefined {
    return this._child.pid;
  }

  devices(): readonly DeviceInfo[] {
    return this._devices;
  }

  read(): DeviceReading[] {
    const out = this._pending;
    this._pending = [];
    return out;
  }

  faults(): string[] {
    return this._faults.take();
  }

  close(): void {
    if (this._closed) return;
    this._closed = true;
    process.removeListener('exit', this._killOnExit);
    this._kill();
  }

  private _attach(program: string): void {
    const child = this._child;
    process.once('exit', this._killOnExit);
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => this._onData(chunk));
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      this._stderr = (this._stderr + chunk).slice(-2048);
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      const reason = error.code === 'ENOENT' ? `${program}: not found` : `${program}: ${error.message}`;
      this._settle(new PowermetricsExitedError(reason));
    });
    // 'close' rather than 'exit': by then stderr has been read, so the reason can quote it.
    child.on('close', (code: number | null, signal: NodeJS.Signals | null) => {
      if (this._closed) return;
      this._settle(this._exitError(program, code, signal));
    });
  }

  /** After open: nothing of ours keeps the host's event loop alive. */
  private _detach(): void {
    const child = this._child;
    child.unref();
    (child.stdout as unknown as { unref?: () => void } | null)?.unref?.();
    (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();
  }

  private _exitError(program: string, code: number | null, signal: NodeJS.Signals | null): EnergyError {
    const said = lastLine(this._stderr);
    if (said && DENIED.test(said)) return new PowermetricsDeniedError(`${program}: ${said}`);
    if (signal) return new PowermetricsExitedError(`${program} was killed (${signal})${said ? `: ${said}` : ''}`);
    const truncated = this._stream.pendingLength > 0 ? '; its last sample was truncated and dropped' : '';
    return new PowermetricsExitedError(`${program} exited with code ${code ?? '?'}${said ? `: ${said}` : ''}${truncated}`);
  }

  /** First failure: before the first sample it rejects open(), after it becomes a fault. */
  private _settle(error: EnergyError): void {
    if (this._onFirst) {
      this._onFirst(error);
      return;
    }
    if (this._failure || this._closed) return;
    this._failure = error;
    this._faults.add(`powermetrics: ${error.message}`);
  }

  private _onData(chunk: string): void {
    const samples = this._stream.push(chunk);
    for (const sample of samples) this._onSample(sample);
  }

  private _onSample(sample: PowermetricsSample): void {
    const endMs = nowEpochMs();
    if (!this._sawSample) {
      this._sawSample = true;
      this._parts = PARTS.filter((p) => sample[p.energy] !== undefined);
      this._devices = this._parts.map((p) => ({
        id: `powermetrics:${p.part}`,
        vendor: 'apple',
        source: 'powermetrics',
        method: 'counter',
        counterPeriodMs: this._intervalMs,
        // A reading is stamped with the end of the interval its energy was summed over.
        counterTimestamped: true,
        ...p.info,
      }));
      if (this._parts.length === 0) {
        this._onFirst?.(new PowermetricsExitedError('powermetrics: its samples carry no cpu/gpu/ane energy'));
        return;
      }
      const startMs = endMs - sample.elapsedNs / 1e6;
      this._parts.forEach((_, i) => this._pending.push({ deviceIndex: i, timeMs: startMs, energyJoules: 0 }));
    }
    this._parts.forEach((p, i) => {
      const millijoules = (this._totalsMillijoules.get(p.part) ?? 0) + Math.max(0, sample[p.energy] ?? 0);
      this._totalsMillijoules.set(p.part, millijoules);
      const powerMilliwatts = sample[p.power];
      this._pending.push({
        deviceIndex: i,
        timeMs: endMs,
        // mJ → J once, here. powermetrics' power is the average over the interval.
        energyJoules: millijoules / 1000,
        averagePowerWatts: powerMilliwatts === undefined ? undefined : powerMilliwatts / 1000,
      });
    });
    // Bound memory if nobody reads (the sampler reads every few ms; this is a guard, ~10 minutes at 100 ms).
    if (this._pending.length > 18_000) this._pending.splice(0, this._pending.length - 18_000);
    this._onFirst?.();
  }

  private _kill(): void {
    const child = this._child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    try {
      // sudo relays SIGTERM to powermetrics, which exits cleanly.
      child.kill('SIGTERM');
    } catch {
      // Already gone.
    }
  }
}

/** Splits a command line on whitespace, honouring single and double quotes (no other shell syntax). */
export function splitCommand(command: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(command)) !== null) out.push(m[1] ?? m[2] ?? m[3] ?? '');
  return out;
}

function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines[lines.length - 1] ?? '';
}
