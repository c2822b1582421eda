/**
 * Writes the devices' energy timeline to files, for `openjoules sample`: on a fixed grid of `stepMs` (epoch-aligned),
 * each device's cumulative joules as the sampler's timeline gives them once final (the counter's ticks shaped by the
 * power samples; see energy/device-track.ts), so `openjoules attribute` needs only linear interpolation between lines.
 * One file per UTC hour per sampler process, each starting with its device lines. Memory stays flat: nothing is kept
 * but one grid position per device.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { DeviceInfo } from '../../runtime/energy/sources/source.js';
import { formatDeviceLine, formatSampleLine } from './timeline-format.js';

/** What the writer reads: an {@link EnergyTimeline} has all of it. */
export interface TimelineSource {
  readonly devices: readonly DeviceInfo[];
  /** Latest time whose energy is final for the device, epoch ms. */
  coveredUntil(device: number): number;
  /** Oldest time still in the device's history, epoch ms (NaN when empty). */
  historyStart(device: number): number;
  /** Cumulative joules of the device at tMs (only differences mean anything). */
  energyAt(device: number, tMs: number): number;
}

/** Options of {@link TimelineWriter}. */
export interface TimelineWriterOptions {
  /** Directory the files go to (created when missing). */
  readonly dir: string;
  /** Grid step, ms. */
  readonly stepMs: number;
  /** Part of every file name that tells this sampler apart (default: the process id). */
  readonly runId?: string;
  /** Called once per write failure (disk full, directory removed); the writer keeps going. */
  readonly onError?: (message: string) => void;
}

/** The file name of one hour's timeline. */
export function timelineFileName(hourStartMs: number, runId: string): string {
  return `energy-timeline-${new Date(hourStartMs).toISOString().slice(0, 13)}-${runId}.jsonl`;
}

const HOUR_MS = 3_600_000;

export class TimelineWriter {
  private readonly _source: TimelineSource;
  private readonly _dir: string;
  private readonly _step: number;
  private readonly _runId: string;
  private readonly _onError: (message: string) => void;
  /** Next grid index per device (time = index × step); NaN before the device's first final energy. */
  private readonly _next: number[];
  private readonly _prevMs: number[];
  private readonly _prevJoules: number[];
  private _fd: number | undefined;
  private _hour = NaN;
  private readonly _files: string[] = [];
  private _lines = 0;
  private _lastError: string | undefined;

  constructor(source: TimelineSource, options: TimelineWriterOptions) {
    this._source = source;
    this._dir = options.dir;
    this._step = Math.max(1, Math.round(options.stepMs));
    this._runId = options.runId ?? String(process.pid);
    this._onError = options.onError ?? (() => {});
    const n = source.devices.length;
    this._next = new Array<number>(n).fill(NaN);
    this._prevMs = new Array<number>(n).fill(NaN);
    this._prevJoules = new Array<number>(n).fill(NaN);
  }

  /** Files written so far, oldest first. */
  get files(): readonly string[] {
    return this._files;
  }

  /** Sample lines written so far. */
  get lines(): number {
    return this._lines;
  }

  /** Writes every grid point whose energy has become final since the last call. Never throws. */
  flush(): void {
    const lines: { hour: number; text: string }[] = [];
    for (let d = 0; d < this._source.devices.length; d++) {
      const covered = this._source.coveredUntil(d);
      if (!Number.isFinite(covered)) continue;
      const start = this._source.historyStart(d);
      let k = this._next[d]!;
      if (Number.isNaN(k) || k * this._step < start) {
        // First data, or the history moved past us (the writer was stalled): start again at the history, with no
        // power for the first line since the previous one is not adjacent.
        k = Math.ceil(start / this._step);
        this._prevMs[d] = NaN;
      }
      const id = this._source.devices[d]!.id;
      for (let t = k * this._step; t <= covered; k++, t = k * this._step) {
        const joules = this._source.energyAt(d, t);
        if (!Number.isFinite(joules)) continue;
        const prevMs = this._prevMs[d]!;
        const watts = Number.isFinite(prevMs) ? ((joules - this._prevJoules[d]!) / (t - prevMs)) * 1000 : undefined;
        lines.push({ hour: Math.floor(t / HOUR_MS) * HOUR_MS, text: formatSampleLine(id, t, joules, watts) });
        this._prevMs[d] = t;
        this._prevJoules[d] = joules;
      }
      this._next[d] = k;
    }
    if (lines.length === 0) return;
    lines.sort((a, b) => a.hour - b.hour);
    let chunk = '';
    let hour = lines[0]!.hour;
    for (const line of lines) {
      if (line.hour !== hour) {
        this._write(hour, chunk);
        chunk = '';
        hour = line.hour;
      }
      chunk += `${line.text}\n`;
      this._lines++;
    }
    this._write(hour, chunk);
  }

  /** Closes the current file. Flush first to write what is final. */
  close(): void {
    if (this._fd === undefined) return;
    try {
      closeSync(this._fd);
    } catch {
      // Nothing left to do with a file that will not close.
    }
    this._fd = undefined;
  }

  private _write(hour: number, chunk: string): void {
    try {
      if (this._fd === undefined || hour !== this._hour) {
        this.close();
        mkdirSync(this._dir, { recursive: true });
        const path = join(this._dir, timelineFileName(hour, this._runId));
        this._fd = openSync(path, 'a');
        this._hour = hour;
        this._files.push(path);
        writeSync(this._fd, this._source.devices.map((d) => `${formatDeviceLine(d)}\n`).join(''));
      }
      writeSync(this._fd, chunk);
      this._lastError = undefined;
    } catch (error) {
      const message = `cannot write the energy timeline in ${this._dir}: ${(error as Error).message}`;
      if (message !== this._lastError) this._onError(message);
      this._lastError = message;
    }
  }
}
