/**
 * Fair attribution of overlapping spans, computed as a sweep over time.
 *
 * The rule: at every instant the power of the devices is divided equally among the leaf spans running then (a span is
 * a leaf at an instant when none of its children run then). A span's attributed joules are its own share plus its
 * children's shares, counted while it runs; so the attributed joules of sibling spans add up to the devices' energy
 * over their union, nothing counted twice.
 *
 * The sweep keeps a frontier: all energy before it has been handed out. `advance(to)` moves it forward through the
 * span start/end events, handing out each segment's energy (from the timeline) to the leaves running in it. Nothing
 * older than the frontier is kept, so memory depends only on the spans alive or waiting, not on how long the process
 * runs. Each start and end also pins the per-device cumulative energy at that instant, which is what the inclusive
 * joules are computed from.
 */
import type { EnergyTimeline } from '../energy/timeline.js';

/** One span as the sweep sees it. */
export interface TrackedSpan<T = unknown> {
  readonly key: string;
  readonly parent: TrackedSpan<T> | undefined;
  /** Epoch ms on the timeline's clock. */
  readonly startMs: number;
  /** Epoch ms on the timeline's clock; NaN until it ends. */
  endMs: number;
  /** Whether it runs at the frontier. */
  active: boolean;
  /** Children running at the frontier. */
  activeChildren: number;
  /** Joules handed to it (own share plus descendants' shares while it runs). */
  attributed: number;
  /** Per-device cumulative joules at start and end (NaN where a device had no data). */
  startEnergy: number[] | undefined;
  endEnergy: number[] | undefined;
  /** When `startEnergy` was taken: later than `startMs` for a span that started before the frontier (back-dated). */
  startPinnedMs: number;
  /** When `endEnergy` was taken: later than `endMs` for a span ended with a past end time behind the frontier. */
  endPinnedMs: number;
  /** Part of its numbers came from beyond what the devices had reported (a forced release). */
  extrapolated: boolean;
  /** Its end has been swept: every number is final. */
  done: boolean;
  /** Whatever the caller attaches (the span itself). */
  payload: T;
}

interface SweepEvent<T> {
  readonly timeMs: number;
  readonly span: TrackedSpan<T>;
  readonly isEnd: boolean;
}

/** The sweep. One per span processor. */
export class AttributionSweep<T> {
  private readonly _timeline: EnergyTimeline;
  private readonly _deviceCount: number;
  private readonly _events: Array<SweepEvent<T>> = [];
  private _head = 0;
  private readonly _active = new Set<TrackedSpan<T>>();
  private _leaves = 0;
  private _frontierMs = -Infinity;
  // Plain arrays: a typed array per span start/end costs far more to allocate than it saves.
  private readonly _energy: number[];
  private readonly _scratch: number[];

  constructor(timeline: EnergyTimeline) {
    this._timeline = timeline;
    this._deviceCount = timeline.devices.length;
    this._energy = new Array<number>(this._deviceCount).fill(NaN);
    this._scratch = new Array<number>(this._deviceCount).fill(NaN);
  }

  /** All energy before this time (epoch ms) has been handed out. */
  get frontierMs(): number {
    return this._frontierMs;
  }

  /** Spans started and not yet swept past their end. */
  get activeCount(): number {
    return this._active.size;
  }

  /** Registers a span that started at `startMs`. */
  start(key: string, parent: TrackedSpan<T> | undefined, startMs: number, payload: T): TrackedSpan<T> {
    const span: TrackedSpan<T> = {
      key,
      parent,
      startMs,
      endMs: NaN,
      active: false,
      activeChildren: 0,
      attributed: 0,
      startEnergy: undefined,
      endEnergy: undefined,
      startPinnedMs: NaN,
      endPinnedMs: NaN,
      extrapolated: false,
      done: false,
      payload,
    };
    this._insert({ timeMs: startMs, span, isEnd: false });
    return span;
  }

  /** Registers the end of a span. */
  end(span: TrackedSpan<T>, endMs: number): void {
    if (!Number.isNaN(span.endMs)) return;
    span.endMs = Math.max(endMs, span.startMs);
    this._insert({ timeMs: span.endMs, span, isEnd: true });
  }

  /**
   * Moves the frontier to `toMs`, handing out energy; `coveredMs` is how far the devices have really reported (beyond
   * it the timeline extrapolates, and the spans involved are marked so). Calls `onDone` for every span whose end was
   * swept, in end order.
   */
  advance(toMs: number, coveredMs: number, onDone: (span: TrackedSpan<T>) => void): void {
    const events = this._events;
    if (this._frontierMs === -Infinity) {
      const first = events[this._head];
      if (!first || first.timeMs > toMs) return;
      this._frontierMs = first.timeMs;
      this._readEnergy(first.timeMs, this._energy);
    }
    while (this._head < events.length) {
      const event = events[this._head];
      if (!event || event.timeMs > toMs) break;
      this._head++;
      this._handOut(Math.max(event.timeMs, this._frontierMs), coveredMs);
      this._apply(event, coveredMs, onDone);
    }
    this._handOut(toMs, coveredMs);
    if (this._head > 1024 && this._head * 2 > events.length) {
      events.splice(0, this._head);
      this._head = 0;
    }
  }

  /** Time of the earliest event not yet swept (NaN when none). */
  nextEventMs(): number {
    return this._events[this._head]?.timeMs ?? NaN;
  }

  /**
   * Forgets a span that never ended (bounded memory for leaked spans): it stops taking a share from now on, and its end,
   * if it ever comes, is ignored.
   */
  abandon(span: TrackedSpan<T>): void {
    if (span.done) return;
    span.done = true;
    span.endMs = Math.max(span.startMs, this._frontierMs);
    if (span.active) this._deactivate(span);
    else {
      const i = this._events.findIndex((e, k) => k >= this._head && e.span === span);
      if (i >= 0) this._events.splice(i, 1);
    }
  }

  private _insert(event: SweepEvent<T>): void {
    const events = this._events;
    let i = events.length;
    // Events arrive almost in time order: scan back from the end. Ends sort after starts at the same instant, so a
    // zero-length span is a leaf for zero time and takes nothing.
    while (i > this._head) {
      const prev = events[i - 1];
      if (!prev || prev.timeMs < event.timeMs || (prev.timeMs === event.timeMs && (event.isEnd || !prev.isEnd))) break;
      i--;
    }
    if (i === events.length) events.push(event);
    else events.splice(i, 0, event);
  }

  private _readEnergy(tMs: number, into: number[]): void {
    for (let d = 0; d < this._deviceCount; d++) into[d] = this._timeline.energyAt(d, tMs);
  }

  /** Hands out the energy between the frontier and `toMs` to the leaves running, and moves the frontier there. */
  private _handOut(toMs: number, coveredMs: number): void {
    if (!(toMs > this._frontierMs)) return;
    const next = this._scratch;
    this._readEnergy(toMs, next);
    let joules = 0;
    for (let d = 0; d < this._deviceCount; d++) {
      const before = this._energy[d] ?? NaN;
      const after = next[d] ?? NaN;
      if (!Number.isNaN(before) && !Number.isNaN(after)) joules += after - before;
      if (!Number.isNaN(after)) this._energy[d] = after;
    }
    this._frontierMs = toMs;
    if (this._leaves === 0 || joules === 0) return;
    const extrapolated = toMs > coveredMs;
    const share = joules / this._leaves;
    for (const span of this._active) {
      if (extrapolated) span.extrapolated = true;
      if (span.activeChildren !== 0) continue;
      // The leaf's share counts for it and for every ancestor running now.
      for (let s: TrackedSpan<T> | undefined = span; s && s.active; s = s.parent) s.attributed += share;
    }
  }

  private _apply(event: SweepEvent<T>, coveredMs: number, onDone: (span: TrackedSpan<T>) => void): void {
    const span = event.span;
    if (span.done) return; // abandoned
    const snapshot = this._energy.slice();
    if (event.timeMs > coveredMs) span.extrapolated = true;
    if (!event.isEnd) {
      span.startEnergy = snapshot;
      span.startPinnedMs = this._frontierMs;
      span.active = true;
      this._active.add(span);
      this._leaves++;
      const parent = span.parent;
      if (parent && parent.active && parent.activeChildren++ === 0) this._leaves--;
      return;
    }
    span.endEnergy = snapshot;
    span.endPinnedMs = this._frontierMs;
    if (span.active) this._deactivate(span);
    span.done = true;
    onDone(span);
  }

  private _deactivate(span: TrackedSpan<T>): void {
    span.active = false;
    this._active.delete(span);
    if (span.activeChildren === 0) this._leaves--;
    const parent = span.parent;
    if (parent && parent.active && --parent.activeChildren === 0) this._leaves++;
  }
}
