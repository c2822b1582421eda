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
 *
 * Layout: the span path runs this for every span, so nothing here allocates per span. A span is a slot index into
 * preallocated typed arrays (struct of arrays), recycled through a free list; a generation number per slot tells a
 * child whether the parent slot it remembers still holds its parent. Events are two parallel typed arrays kept sorted.
 */
import type { EnergyTimeline } from '../energy/timeline/timeline.js';

/** Slot flags. */
const ACTIVE = 1; // runs at the frontier
const DONE = 2; // its end has been swept (or it was abandoned): every number is final
const EXTRAPOLATED = 4; // part of its numbers came from beyond what the devices had reported
const ENDED = 8; // its end has been registered
const USED = 16; // the slot holds a span

/** Most slots: slot and generation share one exact double in a token (see {@link AttributionSweep.token}). */
const MAX_SLOTS = 1 << 24;
const INITIAL_SLOTS = 256;

/** The sweep. One per span processor. */
export class AttributionSweep {
  /** Devices of the timeline; per-device arrays below are `slot * deviceCount + device`. */
  readonly deviceCount: number;
  // Per slot. Public for the attribute arithmetic (energy-attributes.ts), which only reads them.
  /** Epoch ms on the timeline's clock. */
  startMs = new Float64Array(INITIAL_SLOTS);
  /** Epoch ms on the timeline's clock; NaN until it ends. */
  endMs = new Float64Array(INITIAL_SLOTS);
  /** Joules handed to it (own share plus descendants' shares while it runs). */
  attributed = new Float64Array(INITIAL_SLOTS);
  /** When the start energy was pinned: later than `startMs` for a span that started before the frontier. */
  startPinnedMs = new Float64Array(INITIAL_SLOTS);
  /** When the end energy was pinned: later than `endMs` for a span ended with a past end time behind the frontier. */
  endPinnedMs = new Float64Array(INITIAL_SLOTS);
  /** Timeline version ({@link EnergyTimeline.version}) the start and end energy were read at. */
  startVersion = new Float64Array(INITIAL_SLOTS);
  endVersion = new Float64Array(INITIAL_SLOTS);
  /** Per-device cumulative joules at start and end (NaN where a device had no data). */
  startEnergy: Float64Array<ArrayBuffer>;
  endEnergy: Float64Array<ArrayBuffer>;
  private _flags = new Uint8Array(INITIAL_SLOTS);
  private _gen = new Int32Array(INITIAL_SLOTS);
  private _parent = new Int32Array(INITIAL_SLOTS);
  private _parentGen = new Int32Array(INITIAL_SLOTS);
  private _activeChildren = new Int32Array(INITIAL_SLOTS);
  /** Position in `_active`, or -1. */
  private _activePos = new Int32Array(INITIAL_SLOTS);
  private _capacity = INITIAL_SLOTS;
  private _free = new Int32Array(INITIAL_SLOTS);
  private _freeCount = 0;
  private _used = 0;
  /** Slots never handed out yet start here. */
  private _fresh = 0;

  /** Spans running at the frontier (unordered). */
  private _active = new Int32Array(64);
  private _activeCount = 0;
  private _leaves = 0;

  /** Pending events in time order, from `_evHead` to `_evTail`: time, and slot·2 + (1 for an end). */
  private _evTime = new Float64Array(1024);
  private _evCode = new Int32Array(1024);
  private _evHead = 0;
  private _evTail = 0;

  /** Spans whose end was swept since the last {@link clearDone}, in end order. */
  doneSlots = new Int32Array(64);
  doneCount = 0;

  private readonly _timeline: EnergyTimeline;
  private _frontierMs = -Infinity;
  private readonly _energy: Float64Array;
  /** Timeline version `_energy` was read at. */
  private _energyVersion = NaN;
  private readonly _scratch: Float64Array;

  constructor(timeline: EnergyTimeline) {
    this._timeline = timeline;
    this.deviceCount = timeline.devices.length;
    this._energy = new Float64Array(this.deviceCount).fill(NaN);
    this._scratch = new Float64Array(this.deviceCount).fill(NaN);
    this.startEnergy = new Float64Array(INITIAL_SLOTS * this.deviceCount);
    this.endEnergy = new Float64Array(INITIAL_SLOTS * this.deviceCount);
  }

  /** All energy before this time (epoch ms) has been handed out. */
  get frontierMs(): number {
    return this._frontierMs;
  }

  /** Spans started and not yet swept past their end. */
  get activeCount(): number {
    return this._activeCount;
  }

  /** Slots holding a span (running, or ended and not yet freed). */
  get usedCount(): number {
    return this._used;
  }

  /** A number naming `slot` as it is now; {@link slotOf} gives the slot back only while it still holds that span. */
  token(slot: number): number {
    return (this._gen[slot] ?? 0) * MAX_SLOTS + slot;
  }

  /** The slot a token names, or -1 when that span is gone. */
  slotOf(token: number): number {
    const slot = token % MAX_SLOTS;
    return (this._flags[slot] ?? 0) & USED && this.token(slot) === token ? slot : -1;
  }

  isDone(slot: number): boolean {
    return ((this._flags[slot] ?? 0) & DONE) !== 0;
  }

  isEnded(slot: number): boolean {
    return ((this._flags[slot] ?? 0) & ENDED) !== 0;
  }

  isExtrapolated(slot: number): boolean {
    return ((this._flags[slot] ?? 0) & EXTRAPOLATED) !== 0;
  }

  /** Registers a span that started at `startMs` under `parent` (a slot, or -1); returns its slot. */
  start(startMs: number, parent: number): number {
    const slot = this._allocate();
    this.startMs[slot] = startMs;
    this.endMs[slot] = NaN;
    this.attributed[slot] = 0;
    this.startPinnedMs[slot] = NaN;
    this.endPinnedMs[slot] = NaN;
    this._flags[slot] = USED;
    this._activeChildren[slot] = 0;
    this._activePos[slot] = -1;
    this._parent[slot] = parent;
    this._parentGen[slot] = parent >= 0 ? (this._gen[parent] ?? 0) : 0;
    // Loops, not fill()/set(): for a handful of devices a builtin call costs more than the stores.
    const n = this.deviceCount;
    const startEnergy = this.startEnergy;
    const endEnergy = this.endEnergy;
    for (let i = slot * n, end = i + n; i < end; i++) {
      startEnergy[i] = NaN;
      endEnergy[i] = NaN;
    }
    this._insert(startMs, slot << 1);
    return slot;
  }

  /** Registers the end of a span (once). */
  end(slot: number, endMs: number): void {
    const flags = this._flags[slot] ?? 0;
    if (flags & ENDED || !(flags & USED)) return;
    const start = this.startMs[slot] ?? NaN;
    const t = endMs > start ? endMs : start;
    this.endMs[slot] = t;
    this._flags[slot] = flags | ENDED;
    this._insert(t, (slot << 1) | 1);
  }

  /** Gives a slot back once its span has been passed on (or forgotten). */
  free(slot: number): void {
    const flags = this._flags[slot] ?? 0;
    if (!(flags & USED)) return;
    if (!(flags & DONE)) this.abandon(slot);
    this._flags[slot] = 0;
    this._gen[slot] = ((this._gen[slot] ?? 0) + 1) & 0x0fffffff;
    this._free[this._freeCount++] = slot;
    this._used--;
  }

  /**
   * Moves the frontier to `toMs`, handing out energy; `coveredMs` is how far the devices have really reported (beyond
   * it the timeline extrapolates, and the spans involved are marked so). Every span whose end is swept becomes done and
   * is added to {@link doneSlots}.
   */
  advance(toMs: number, coveredMs: number): void {
    if (this._frontierMs === -Infinity) {
      if (this._evHead === this._evTail) return;
      const first = this._evTime[this._evHead] ?? NaN;
      if (first > toMs) return;
      this._frontierMs = first;
      this._readEnergy(first, this._energy);
      this._energyVersion = this._timeline.version;
    }
    while (this._evHead < this._evTail) {
      const time = this._evTime[this._evHead] ?? NaN;
      if (time > toMs) break;
      const code = this._evCode[this._evHead] ?? 0;
      this._evHead++;
      this._handOut(time > this._frontierMs ? time : this._frontierMs, coveredMs);
      this._apply(time, code, coveredMs);
    }
    if (this._evHead === this._evTail) this._evHead = this._evTail = 0;
    this._handOut(toMs, coveredMs);
  }

  /** Empties {@link doneSlots}. */
  clearDone(): void {
    this.doneCount = 0;
  }

  /** Time of the earliest event not yet swept (NaN when none). */
  nextEventMs(): number {
    return this._evHead < this._evTail ? (this._evTime[this._evHead] ?? NaN) : NaN;
  }

  /**
   * Forgets a span that never ended (bounded memory for leaked spans): it stops taking a share from now on, and its end,
   * if it ever comes, is ignored.
   */
  abandon(slot: number): void {
    const flags = this._flags[slot] ?? 0;
    if (flags & DONE || !(flags & USED)) return;
    this._flags[slot] = flags | DONE | ENDED;
    const start = this.startMs[slot] ?? NaN;
    this.endMs[slot] = start > this._frontierMs ? start : this._frontierMs;
    if (flags & ACTIVE) {
      this._deactivate(slot);
      return;
    }
    // Its start (and end) may still be pending.
    let w = this._evHead;
    for (let r = this._evHead; r < this._evTail; r++) {
      const code = this._evCode[r] ?? 0;
      if (code >> 1 === slot) continue;
      this._evTime[w] = this._evTime[r] ?? NaN;
      this._evCode[w] = code;
      w++;
    }
    this._evTail = w;
  }

  private _allocate(): number {
    let slot: number;
    if (this._freeCount > 0) slot = this._free[--this._freeCount] ?? 0;
    else {
      if (this._fresh === this._capacity) this._grow();
      slot = this._fresh++;
    }
    this._used++;
    return slot;
  }

  private _grow(): void {
    const cap = this._capacity * 2;
    if (cap > MAX_SLOTS) throw new RangeError('openjoules: too many spans tracked');
    const n = this.deviceCount;
    this.startMs = growF64(this.startMs, cap);
    this.endMs = growF64(this.endMs, cap);
    this.attributed = growF64(this.attributed, cap);
    this.startPinnedMs = growF64(this.startPinnedMs, cap);
    this.endPinnedMs = growF64(this.endPinnedMs, cap);
    this.startVersion = growF64(this.startVersion, cap);
    this.endVersion = growF64(this.endVersion, cap);
    this.startEnergy = growF64(this.startEnergy, cap * n);
    this.endEnergy = growF64(this.endEnergy, cap * n);
    const flags = new Uint8Array(cap);
    flags.set(this._flags);
    this._flags = flags;
    this._gen = growI32(this._gen, cap);
    this._parent = growI32(this._parent, cap);
    this._parentGen = growI32(this._parentGen, cap);
    this._activeChildren = growI32(this._activeChildren, cap);
    this._activePos = growI32(this._activePos, cap);
    this._free = growI32(this._free, cap);
    this._capacity = cap;
  }

  /** The running parent of `slot`, or -1 (none, not running, or its slot since reused). */
  private _runningParent(slot: number): number {
    const p = this._parent[slot] ?? -1;
    return p >= 0 && this._gen[p] === this._parentGen[slot] && (this._flags[p] ?? 0) & ACTIVE ? p : -1;
  }

  private _insert(timeMs: number, code: number): void {
    if (this._evTail === this._evTime.length) {
      const live = this._evTail - this._evHead;
      if (this._evHead > 0 && live * 2 <= this._evTime.length) {
        this._evTime.copyWithin(0, this._evHead, this._evTail);
        this._evCode.copyWithin(0, this._evHead, this._evTail);
      } else {
        const times = new Float64Array(this._evTime.length * 2);
        const codes = new Int32Array(this._evTime.length * 2);
        times.set(this._evTime.subarray(this._evHead, this._evTail));
        codes.set(this._evCode.subarray(this._evHead, this._evTail));
        this._evTime = times;
        this._evCode = codes;
      }
      this._evHead = 0;
      this._evTail = live;
    }
    const times = this._evTime;
    const codes = this._evCode;
    const isEnd = code & 1;
    // Events arrive almost in time order: scan back from the end. Ends sort after starts at the same instant, so a
    // zero-length span is a leaf for zero time and takes nothing.
    let i = this._evTail;
    while (i > this._evHead) {
      const prev = times[i - 1] ?? NaN;
      if (prev < timeMs || (prev === timeMs && (isEnd || !((codes[i - 1] ?? 0) & 1)))) break;
      i--;
    }
    if (i < this._evTail) {
      times.copyWithin(i + 1, i, this._evTail);
      codes.copyWithin(i + 1, i, this._evTail);
    }
    times[i] = timeMs;
    codes[i] = code;
    this._evTail++;
  }

  private _readEnergy(tMs: number, into: Float64Array): void {
    for (let d = 0; d < this.deviceCount; d++) into[d] = this._timeline.energyAt(d, tMs);
  }

  /** Hands out the energy between the frontier and `toMs` to the leaves running, and moves the frontier there. */
  private _handOut(toMs: number, coveredMs: number): void {
    if (!(toMs > this._frontierMs)) return;
    const next = this._scratch;
    const energy = this._energy;
    this._readEnergy(toMs, next);
    let joules = 0;
    for (let d = 0; d < this.deviceCount; d++) {
      const before = energy[d] ?? NaN;
      const after = next[d] ?? NaN;
      if (!Number.isNaN(before) && !Number.isNaN(after)) joules += after - before;
      if (!Number.isNaN(after)) energy[d] = after;
    }
    this._energyVersion = this._timeline.version;
    this._frontierMs = toMs;
    if (this._leaves === 0 || joules === 0) return;
    const extrapolated = toMs > coveredMs;
    const share = joules / this._leaves;
    const active = this._active;
    const flags = this._flags;
    const attributed = this.attributed;
    for (let k = 0; k < this._activeCount; k++) {
      const slot = active[k] ?? 0;
      if (extrapolated) flags[slot] = (flags[slot] ?? 0) | EXTRAPOLATED;
      if (this._activeChildren[slot] !== 0) continue;
      // The leaf's share counts for it and for every ancestor running now.
      for (let s = slot; s >= 0; s = this._runningParent(s)) attributed[s] = (attributed[s] ?? 0) + share;
    }
  }

  private _apply(timeMs: number, code: number, coveredMs: number): void {
    const slot = code >> 1;
    let flags = this._flags[slot] ?? 0;
    if (flags & DONE) return; // abandoned
    if (timeMs > coveredMs) flags |= EXTRAPOLATED;
    const n = this.deviceCount;
    const energy = this._energy;
    if (!(code & 1)) {
      const startEnergy = this.startEnergy;
      for (let d = 0, i = slot * n; d < n; d++, i++) startEnergy[i] = energy[d] ?? NaN;
      this.startPinnedMs[slot] = this._frontierMs;
      this.startVersion[slot] = this._energyVersion;
      const parent = this._runningParent(slot);
      this._flags[slot] = flags | ACTIVE;
      if (this._activeCount === this._active.length) this._active = growI32(this._active, this._active.length * 2);
      this._activePos[slot] = this._activeCount;
      this._active[this._activeCount++] = slot;
      this._leaves++;
      if (parent >= 0) {
        const children = this._activeChildren[parent] ?? 0;
        this._activeChildren[parent] = children + 1;
        if (children === 0) this._leaves--;
      }
      return;
    }
    const endEnergy = this.endEnergy;
    for (let d = 0, i = slot * n; d < n; d++, i++) endEnergy[i] = energy[d] ?? NaN;
    this.endPinnedMs[slot] = this._frontierMs;
    this.endVersion[slot] = this._energyVersion;
    this._flags[slot] = flags;
    if (flags & ACTIVE) this._deactivate(slot);
    this._flags[slot] = (this._flags[slot] ?? 0) | DONE;
    if (this.doneCount === this.doneSlots.length) this.doneSlots = growI32(this.doneSlots, this.doneSlots.length * 2);
    this.doneSlots[this.doneCount++] = slot;
  }

  private _deactivate(slot: number): void {
    const parent = this._runningParent(slot);
    this._flags[slot] = (this._flags[slot] ?? 0) & ~ACTIVE;
    const pos = this._activePos[slot] ?? -1;
    const last = this._active[--this._activeCount] ?? 0;
    this._active[pos] = last;
    this._activePos[last] = pos;
    this._activePos[slot] = -1;
    if (this._activeChildren[slot] === 0) this._leaves--;
    if (parent >= 0) {
      const children = (this._activeChildren[parent] ?? 0) - 1;
      this._activeChildren[parent] = children;
      if (children === 0) this._leaves++;
    }
  }
}

function growF64(a: Float64Array<ArrayBuffer>, size: number): Float64Array<ArrayBuffer> {
  const b = new Float64Array(size);
  b.set(a);
  return b;
}

function growI32(a: Int32Array<ArrayBuffer>, size: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(size);
  b.set(a);
  return b;
}
