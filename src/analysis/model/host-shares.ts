/**
 * Fair shares across the processes of a host: spans of several processes that ran on one device never claim the same
 * joule twice.
 *
 * Each process shares its devices' energy among its own spans only (trace/attribution.ts), so three processes on one
 * GPU each hand out the whole GPU. Spans carry what it takes to redo the share across them: for every device whose
 * counter is host-wide, its identity (`energy.device.ids`) and the counter at the span's start and end
 * (`energy.device.start.joules`, `energy.device.end.joules`). Per device, the readings of all processes, in time
 * order, give the energy of every stretch between two span boundaries (a running maximum keeps a stretch from going
 * below 0 where two processes' interpolations disagree by a hair); the stretches telescope, so they add up to the
 * device's energy from the first boundary to the last, each joule once. Each stretch is then split as in-process:
 * equally among the leaf spans running then, now of every process on the device (a span is a leaf when none of its
 * children in its own process runs), and a parent gets its children's shares. With one process this is the in-process
 * rule again, so every span with readings is redone the same way; the sharing itself needs no process told apart
 * (processes whose resources look alike, without `process.pid`, still share correctly), only parent links and the
 * correction below go by the process (the resource).
 *
 * A span whose every measured device is listed gets its attributed joules from the readings alone; one that also drew
 * on devices without a host-wide counter keeps the in-process share of those: its recorded share, less its own
 * process's share of the listed devices, plus its share of them across processes.
 *
 * A counter that wraps (ROCm SMI, RAPL: spans carry `energy.device.wrap.joules`) agrees across processes only modulo
 * its range; host-alignment.ts first puts every process on one line. Processes it cannot place share the device in
 * groups of their own, and the device says why ({@link HostDevice.note}).
 */
import type { SpanRecord } from '../otlp/span-record.js';
import {
  ATTR_ENERGY_ATTRIBUTED_JOULES,
  ATTR_ENERGY_DEVICE_END_JOULES,
  ATTR_ENERGY_DEVICE_IDS,
  ATTR_ENERGY_DEVICE_START_JOULES,
  ATTR_ENERGY_DEVICE_WRAP_JOULES,
  ATTR_ENERGY_JOULES,
} from '../../semconv.js';
import { alignWrappedReadings } from './host-alignment.js';
import { processKey } from './process-key.js';

/** Relative difference under which a span's readings account for all its inclusive joules. */
const COVERED = 1e-6;

/** A device's readings: which spans read it, and the counter at their start and end. */
interface DeviceGroup {
  readonly spans: number[];
  readonly start: number[];
  readonly end: number[];
  readonly processes: Set<number>;
  /** The counter's range where it wraps, J; 0 when it does not. */
  wrapJoules: number;
}

/** What one device's readings added up to. */
export interface HostDevice {
  /** `energy.device.ids` entry. */
  readonly id: string;
  /** Processes whose spans read it. */
  readonly processes: number;
  /** Its joules from the first span boundary to the last, by the readings. */
  readonly deviceJoules: number;
  /** Of those, the joules while no span ran (handed to none). */
  readonly idleJoules: number;
  /** One line when the readings of some processes could not be placed with the others' (a counter that wraps). */
  readonly note?: string;
}

/**
 * Collects the spans that carry device readings ({@link HostShares.add}), works out their shares across processes
 * ({@link HostShares.resolve}), and hands back spans with `energy.attributed.joules` redone ({@link HostShares.apply}).
 * Memory: a few numbers per span with readings; nothing for the others.
 */
export class HostShares {
  private readonly _index = new Map<string, number>();
  private readonly _process: number[] = [];
  private readonly _parentKey: Array<string | undefined> = [];
  private readonly _startMs: number[] = [];
  private readonly _endMs: number[] = [];
  private readonly _recorded: number[] = [];
  private readonly _inclusive: number[] = [];
  private readonly _readJoules: number[] = [];
  private readonly _processes = new Map<string, number>();
  private readonly _groups = new Map<string, DeviceGroup>();
  private _attributed = new Map<string, number>();
  private _devices: HostDevice[] = [];

  /** Adds a span; one without readings (or seen before) is ignored. */
  add(span: SpanRecord): void {
    const a = span.attributes;
    const ids = a[ATTR_ENERGY_DEVICE_IDS];
    const starts = a[ATTR_ENERGY_DEVICE_START_JOULES];
    const ends = a[ATTR_ENERGY_DEVICE_END_JOULES];
    const wraps = a[ATTR_ENERGY_DEVICE_WRAP_JOULES];
    if (!Array.isArray(ids) || !Array.isArray(starts) || !Array.isArray(ends)) return;
    if (ids.length === 0 || starts.length !== ids.length || ends.length !== ids.length) return;
    const key = spanKeyOf(span.traceId, span.spanId);
    if (this._index.has(key) || !(span.endMs >= span.startMs)) return;
    const i = this._process.length;
    const processName = processKey(span.resource);
    let process = this._processes.get(processName);
    if (process === undefined) this._processes.set(processName, (process = this._processes.size));
    let read = 0;
    for (let k = 0; k < ids.length; k++) {
      const id = ids[k];
      const s = starts[k];
      const e = ends[k];
      if (typeof id !== 'string' || typeof s !== 'number' || typeof e !== 'number' || !Number.isFinite(s) || !Number.isFinite(e)) continue;
      let group = this._groups.get(id);
      if (!group) this._groups.set(id, (group = { spans: [], start: [], end: [], processes: new Set(), wrapJoules: 0 }));
      const wrap = Array.isArray(wraps) ? wraps[k] : undefined;
      if (typeof wrap === 'number' && wrap > group.wrapJoules) group.wrapJoules = wrap;
      group.spans.push(i);
      group.start.push(s);
      group.end.push(e >= s ? e : s);
      group.processes.add(process);
      read += e >= s ? e - s : 0;
    }
    this._index.set(key, i);
    this._process.push(process);
    this._parentKey.push(span.parentSpanId === undefined ? undefined : spanKeyOf(span.traceId, span.parentSpanId));
    this._startMs.push(span.startMs);
    this._endMs.push(span.endMs);
    const recorded = a[ATTR_ENERGY_ATTRIBUTED_JOULES];
    const inclusive = a[ATTR_ENERGY_JOULES];
    this._inclusive.push(typeof inclusive === 'number' ? inclusive : NaN);
    this._recorded.push(typeof recorded === 'number' ? recorded : typeof inclusive === 'number' ? inclusive : NaN);
    this._readJoules.push(read);
  }

  /** Spans added that carry readings. */
  get size(): number {
    return this._process.length;
  }

  /** The devices the spans read, after {@link resolve}. */
  get devices(): readonly HostDevice[] {
    return this._devices;
  }

  /** Spans given attributed joules from the readings, after {@link resolve}. */
  get changed(): number {
    return this._attributed.size;
  }

  /** Works out the shares of every span with readings. */
  resolve(): void {
    const n = this._process.length;
    const parent = new Int32Array(n).fill(-1);
    for (let i = 0; i < n; i++) {
      const key = this._parentKey[i];
      const p = key === undefined ? undefined : this._index.get(key);
      // Shares nest within a process only: a parent in another process measured on its own.
      if (p !== undefined && this._process[p] === this._process[i]) parent[i] = p;
    }
    const across = new Float64Array(n);
    const own = new Float64Array(n);
    const sweep = new ShareSweep(n, parent, this._startMs, this._endMs);
    const devices: HostDevice[] = [];
    for (const [id, group] of this._groups) {
      devices.push({ id, processes: group.processes.size, ...this._shareAcross(group, sweep, across) });
      // Each process alone, for spans whose other devices keep their in-process share.
      for (const process of group.processes) {
        const mine: number[] = [];
        const start: number[] = [];
        const end: number[] = [];
        group.spans.forEach((i, k) => {
          if (this._process[i] !== process || this._covered(i)) return;
          mine.push(i);
          start.push(group.start[k]!);
          end.push(group.end[k]!);
        });
        if (mine.length > 0) sweep.run(mine, start, end, own);
      }
    }
    const attributed = new Map<string, number>();
    for (const [key, i] of this._index) {
      const value = this._covered(i) ? across[i]! : (this._recorded[i] ?? NaN) - own[i]! + across[i]!;
      if (Number.isFinite(value)) attributed.set(key, Math.max(0, value));
    }
    this._attributed = attributed;
    this._devices = devices;
  }

  /**
   * Shares one device among the spans of all its processes into `across`. A counter that wraps is first put on one line
   * (host-alignment.ts); processes that could not be placed share it in groups of their own.
   */
  private _shareAcross(group: DeviceGroup, sweep: ShareSweep, across: Float64Array): Omit<HostDevice, 'id' | 'processes'> {
    if (group.wrapJoules <= 0 || group.processes.size < 2) {
      const { deviceJoules, idleJoules } = sweep.run(group.spans, group.start, group.end, across);
      return { deviceJoules, idleJoules };
    }
    const process = group.spans.map((i) => this._process[i]!);
    const alignment = alignWrappedReadings({
      wrapJoules: group.wrapJoules,
      process,
      startMs: group.spans.map((i) => this._startMs[i]!),
      endMs: group.spans.map((i) => this._endMs[i]!),
      start: group.start,
      end: group.end,
    });
    let deviceJoules = 0;
    let idleJoules = 0;
    for (let g = 0; g < alignment.groups; g++) {
      const spans: number[] = [];
      const start: number[] = [];
      const end: number[] = [];
      group.spans.forEach((i, k) => {
        const p = process[k]!;
        if (alignment.group.get(p) !== g) return;
        const offset = alignment.offset.get(p)!;
        spans.push(i);
        start.push(group.start[k]! + offset);
        end.push(group.end[k]! + offset);
      });
      const result = sweep.run(spans, start, end, across);
      deviceJoules += result.deviceJoules;
      idleJoules += result.idleJoules;
    }
    return { deviceJoules, idleJoules, ...(alignment.note ? { note: alignment.note } : {}) };
  }

  /** The span's attributed joules across processes, when it changed. */
  attributedJoules(traceId: string, spanId: string): number | undefined {
    return this._attributed.get(spanKeyOf(traceId, spanId));
  }

  /** Every span given attributed joules: its key (`traceId:spanId`, lowercase) and the joules. */
  attributed(): IterableIterator<[key: string, joules: number]> {
    return this._attributed.entries();
  }

  /** The span with `energy.attributed.joules` redone across processes, or the span itself when nothing changed. */
  apply(span: SpanRecord): SpanRecord {
    if (this._attributed.size === 0) return span;
    const joules = this._attributed.get(spanKeyOf(span.traceId, span.spanId));
    if (joules === undefined) return span;
    return { ...span, attributes: { ...span.attributes, [ATTR_ENERGY_ATTRIBUTED_JOULES]: joules } };
  }

  /** Whether the span's readings account for all its inclusive joules (no other device measured it). */
  private _covered(i: number): boolean {
    const inclusive = this._inclusive[i]!;
    const read = this._readJoules[i]!;
    return !Number.isFinite(inclusive) || Math.abs(inclusive - read) <= COVERED * Math.max(1, inclusive);
  }
}

/**
 * The spans of a list with `energy.attributed.joules` redone across the processes that shared a device (the same
 * array when no device was shared), for commands that hold their spans in memory. `onNote` gets one line per device whose
 * processes could not all be placed on one counter line ({@link HostDevice.note}).
 */
export function withHostShares(spans: SpanRecord[], onNote?: (line: string) => void): SpanRecord[] {
  const shares = new HostShares();
  for (const span of spans) shares.add(span);
  if (shares.size === 0) return spans;
  shares.resolve();
  if (onNote) for (const d of shares.devices) if (d.note) onNote(`${d.id}: ${d.note}`);
  if (shares.changed === 0) return spans;
  return spans.map((span) => shares.apply(span));
}

function spanKeyOf(traceId: string, spanId: string): string {
  return `${traceId.toLowerCase()}:${spanId.toLowerCase()}`;
}

/** What one device's sweep handed out. */
interface SweepResult {
  readonly deviceJoules: number;
  readonly idleJoules: number;
}

/**
 * The in-process rule over one device's readings: at every stretch between span boundaries, the stretch's joules go
 * equally to the leaf spans running, and to their running ancestors. Scratch arrays are sized once for all spans.
 */
class ShareSweep {
  private readonly _active: Uint8Array;
  private readonly _activeChildren: Int32Array;
  private readonly _member: Uint8Array;
  /** Ancestors in the span's own process. */
  private readonly _depth: Int32Array;

  constructor(
    n: number,
    private readonly _parent: Int32Array,
    private readonly _startMs: readonly number[],
    private readonly _endMs: readonly number[],
  ) {
    this._active = new Uint8Array(n);
    this._activeChildren = new Int32Array(n);
    this._member = new Uint8Array(n);
    this._depth = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      let depth = 0;
      for (let p = _parent[i]!; p >= 0 && depth < n; p = _parent[p]!) depth++;
      this._depth[i] = depth;
    }
  }

  /** Adds each span's share of the device to `into` (indexed by span); `start`/`end` are the readings of `spans`. */
  run(spans: readonly number[], start: readonly number[], end: readonly number[], into: Float64Array): SweepResult {
    const m = spans.length;
    // Event e < m is the start of spans[e], e ≥ m the end of spans[e - m]. At one instant starts come before ends, so
    // a zero-length span is a leaf for no time and takes nothing (as in-process), and a parent starts before its
    // children (the input's order is the export order, children first).
    const order = Array.from({ length: 2 * m }, (_, e) => e);
    const time = (e: number): number => (e < m ? this._startMs[spans[e]!]! : this._endMs[spans[e - m]!]!);
    const rank = (e: number): number => (e < m ? this._depth[spans[e]!]! : Number.MAX_SAFE_INTEGER);
    order.sort((a, b) => time(a) - time(b) || rank(a) - rank(b));
    for (const i of spans) this._member[i] = 1;
    const activeList: number[] = [];
    let leaves = 0;
    let level = -Infinity;
    let first = NaN;
    let idle = 0;
    for (const e of order) {
      const reading = e < m ? start[e]! : end[e - m]!;
      if (level === -Infinity) first = level = reading;
      const joules = reading > level ? reading - level : 0;
      if (joules > 0) {
        level = reading;
        if (leaves === 0) idle += joules;
        else {
          const share = joules / leaves;
          for (const s of activeList) {
            if (this._activeChildren[s] !== 0) continue;
            for (let a = s; a >= 0; a = this._runningParent(a)) into[a] = into[a]! + share;
          }
        }
      }
      const i = spans[e < m ? e : e - m]!;
      const p = this._runningParent(i);
      if (e < m) {
        this._active[i] = 1;
        activeList.push(i);
        leaves++;
        if (p >= 0 && this._activeChildren[p]!++ === 0) leaves--;
      } else if (this._active[i]) {
        this._active[i] = 0;
        activeList.splice(activeList.indexOf(i), 1);
        if (this._activeChildren[i] === 0) leaves--;
        if (p >= 0 && --this._activeChildren[p]! === 0) leaves++;
      }
    }
    for (const i of spans) {
      this._member[i] = 0;
      this._active[i] = 0;
      this._activeChildren[i] = 0;
    }
    return { deviceJoules: Number.isNaN(first) ? 0 : level - first, idleJoules: idle };
  }

  /** The span's parent when it is on this device and running, else -1. */
  private _runningParent(i: number): number {
    const p = this._parent[i]!;
    return p >= 0 && this._member[p] && this._active[p] ? p : -1;
  }
}
