/**
 * A SpanProcessor that puts joules on every span (ours and third-party) and passes it on to the next processor.
 *
 * The span path only does arithmetic on the timeline (shared memory the sampler writes), never a driver call. A span's
 * energy is usually not known when it ends — the counter covering its end ticks later (NVML ~100 ms, powermetrics every
 * interval) — so the span is held until the timeline covers it, at most `maxHoldMs`, and at most `maxHeldSpans` at a
 * time; then it is passed on. Never dropped, never blocking: past either bound it goes on with the best estimate
 * (energy.method = estimate).
 *
 * Holding costs more than the arithmetic: spans kept ~100 ms outlive V8's young generation, and at tens of thousands
 * of spans a second the garbage collector's copying of them dominates. So by default (`finalize: 'auto'`) the
 * processor switches, when more than `maxHeldSpans` wait at once, to finalising each span as it ends from the data
 * there is (the tail past the newest reading extrapolated, energy.method = estimate), and back to waiting once the
 * rate drops. 'exact' always waits; 'immediate' never does.
 *
 * Why a copy: `setAttribute` is a no-op once a span has ended, and onEnding (the last writable moment) comes before the
 * data does. So when the energy is already known in onEnding the attributes are set on the span itself; otherwise the
 * next processor gets, later, a read-only copy of the span whose attributes include the energy. Processors beside this
 * one (not wrapped by it) see the span without energy.
 */
import { diag, SpanKind, type Attributes, type Context, type Meter } from '@opentelemetry/api';
import { hrTimeToMilliseconds } from '@opentelemetry/core';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import type { EnergyTimeline } from '../energy/timeline.js';
import { OperationEnergyMetrics } from '../metrics/energy-metrics.js';
import { AttributionSweep } from './attribution.js';
import { EnergyAttributeWriter, MAX_ENERGY_ATTRIBUTES } from './energy-attributes.js';
import { countDirectAttributes, directAttributes } from './live-span-attributes.js';
import { viewWithAttributes } from './span-copy.js';
import { createSpanContextStamp } from './span-context-stamp.js';

/**
 * When a span gets its energy: `exact` — once the counter covers its end (held until then); `immediate` — as it ends,
 * from the data there is, extrapolating past the newest reading (never held); `auto` — exact while at most
 * `maxHeldSpans` wait, immediate while more would.
 */
export type SpanEnergyFinalize = 'auto' | 'exact' | 'immediate';

/** Values of {@link SpanEnergyFinalize}, for parsing OPENJOULES_SPAN_ENERGY. */
export const SPAN_ENERGY_FINALIZE_VALUES: readonly SpanEnergyFinalize[] = ['auto', 'exact', 'immediate'];

/** Options of {@link EnergySpanProcessor}. */
export interface EnergySpanProcessorOptions {
  /** The sampler's timeline; undefined (or no devices) makes the processor a pass-through. */
  readonly timeline: EnergyTimeline | undefined;
  /** Where spans go next, with their energy (e.g. a BatchSpanProcessor with an exporter). */
  readonly next: SpanProcessor;
  /** Longest a span waits for its energy, ms of real time after it ends; default 5000. */
  readonly maxHoldMs?: number;
  /** When spans get their energy; default `auto`. See {@link SpanEnergyFinalize}. */
  readonly finalize?: SpanEnergyFinalize;
  /**
   * Most spans held at once, default 2048. Beyond it, `auto` passes every held span on with an estimate and finalises
   * spans as they end until the rate drops; `exact` passes the oldest on with an estimate.
   */
  readonly maxHeldSpans?: number;
  /** Most spans tracked (running or held) at once; beyond it the oldest running one is forgotten. Default 65536. */
  readonly maxTrackedSpans?: number;
  /** Records `openjoules.operation.energy` when given. */
  readonly meter?: Meter;
  /**
   * Map span times onto the sampler's clock (default true). The SDK anchors span times to `Date.now()` at span start,
   * readings use `performance.timeOrigin + performance.now()`; the two drift apart in long-running processes. Set false
   * when spans are given explicit times on the readings' clock (tests).
   */
  readonly alignClocks?: boolean;
  /** How often held spans are checked, ms; default 20. */
  readonly pollIntervalMs?: number;
}

/** Counters of what the processor had to do, for self-observability and tests. */
export interface EnergySpanProcessorStats {
  /** Spans waiting for their energy now. */
  readonly heldSpans: number;
  /** Spans passed on with an estimate because `maxHeldSpans` was reached. */
  readonly overflowReleases: number;
  /** Spans finalised as they ended, without waiting for the data (immediate mode). */
  readonly immediateSpans: number;
  /** How spans are finalised now: `exact` (waiting for the data) or `immediate`. */
  readonly finalizing: 'exact' | 'immediate';
  /** Spans passed on with an estimate because their energy did not arrive within `maxHoldMs`. */
  readonly timeoutReleases: number;
  /** Spans not tracked (or forgotten) because `maxTrackedSpans` was reached. */
  readonly untrackedSpans: number;
}

/** Puts energy attributes on every span and hands it to `next`. */
export class EnergySpanProcessor implements SpanProcessor {
  private readonly _timeline: EnergyTimeline | undefined;
  private readonly _next: SpanProcessor;
  private readonly _sweep: AttributionSweep | undefined;
  private readonly _writer: EnergyAttributeWriter | undefined;
  private readonly _maxHoldMs: number;
  private readonly _finalize: SpanEnergyFinalize;
  private readonly _maxHeld: number;
  private readonly _maxTracked: number;
  private readonly _align: boolean;
  private readonly _pollMs: number;
  private readonly _metrics: OperationEnergyMetrics | undefined;
  /**
   * How a span finds its slot, and a child its parent's: the slot's token ({@link AttributionSweep.token}) is kept on
   * the span's SpanContext, in a private field no one else sees (span-context-stamp.ts). The SDK hands a child the very
   * SpanContext object of its
   * parent span, so the child reads its parent's slot with one property load: no table from span ids to slots, no id
   * strings kept alive in this long-lived processor (the garbage collector would have to copy them at every scavenge).
   * A token names a slot only while that slot still holds its span, so a context outliving its span (a child started
   * after its parent was passed on) finds nothing rather than whatever reuses the slot. Not on the Span object itself:
   * a new property there changes the shape of the SDK's busiest object and slows every span down
   * (bench/trace/overhead.ts); a SpanContext is a small plain object the SDK only reads fields of.
   */
  private readonly _slotTokens = createSpanContextStamp();
  /**
   * Tokens of running CLIENT and PRODUCER spans by span id. A context that crossed a process boundary inside this
   * process (an HTTP or queue call from the agent to a server in the same process: inject, then extract) is a new
   * object without our symbol; its parent is the CLIENT or PRODUCER span that injected it, so only those are looked up
   * by id (the busy INTERNAL spans pay nothing for it).
   */
  private readonly _injectors = new Map<string, number>();
  /** Per slot: the span id under which it is in `_injectors`, if it is. */
  private readonly _injectorIds: Array<string | undefined> = [];
  // Per slot (the sweep's slot numbers).
  /** The span, from its end on. */
  private readonly _spans: Array<ReadableSpan | undefined> = [];
  /** Its attributes with the energy ones merged in, once swept (undefined: no energy). */
  private readonly _attributes: Array<Attributes | undefined> = [];
  /** Clock offset (span clock − timeline clock), ms. */
  private _offsets = new Float64Array(256);
  /**
   * 1 when the energy was set on the live span in onEnding, 2 when it was finished there without energy (no device
   * measured it). Kept as a flag, not a reference: every young object stored into this long-lived processor is one
   * more thing the garbage collector has to track (see `_slotTokens`).
   */
  private _inline = new Uint8Array(256);
  /** Ended spans waiting for their energy, in end order: a ring of slots with when each ended (performance.now()). */
  private _held = new Int32Array(256);
  private _heldEndedAt = new Float64Array(256);
  private _heldHead = 0;
  private _heldCount = 0;
  /** The newest held spans not stamped with their end time yet (stamped in batches: see _stamp). */
  private _unstamped = 0;
  /** Tokens of tracked spans in start order (stale ones skipped), to find the oldest running one. */
  private _order = new Float64Array(256);
  private _orderHead = 0;
  private _orderTail = 0;
  private _timer: ReturnType<typeof setInterval> | undefined;
  private _overflow = 0;
  /** Finalising spans as they end (immediate mode: always, or auto under load). */
  private _immediate = false;
  private _immediateCount = 0;
  /** Auto under load: how long spans would wait for their data (ms), and the span ends counted since `_windowStartMs`. */
  private _waitMs = 0;
  /** The slowest device's counter period, ms (100 when none says). */
  private readonly _counterPeriodMs: number;
  private _windowStartMs = NaN;
  private _windowEnds = 0;
  private _timeouts = 0;
  private _untracked = 0;
  private _shutdown = false;

  constructor(options: EnergySpanProcessorOptions) {
    this._next = options.next;
    const timeline = options.timeline && options.timeline.devices.length > 0 ? options.timeline : undefined;
    this._timeline = timeline;
    this._sweep = timeline ? new AttributionSweep(timeline) : undefined;
    this._writer = timeline && this._sweep ? new EnergyAttributeWriter(timeline, this._sweep) : undefined;
    this._maxHoldMs = options.maxHoldMs ?? 5000;
    this._finalize = options.finalize ?? 'auto';
    this._counterPeriodMs = Math.max(0, ...(timeline?.devices ?? []).map((d) => d.counterPeriodMs ?? 100));
    this._immediate = this._finalize === 'immediate';
    this._maxHeld = Math.max(1, options.maxHeldSpans ?? 2048);
    this._maxTracked = Math.max(1, options.maxTrackedSpans ?? 65536);
    this._align = options.alignClocks ?? true;
    this._pollMs = Math.max(1, options.pollIntervalMs ?? 20);
    this._metrics = options.meter ? new OperationEnergyMetrics(options.meter) : undefined;
  }

  /** What the processor had to do so far. */
  stats(): EnergySpanProcessorStats {
    return {
      heldSpans: this._heldCount,
      overflowReleases: this._overflow,
      immediateSpans: this._immediateCount,
      finalizing: this._immediate ? 'immediate' : 'exact',
      timeoutReleases: this._timeouts,
      untrackedSpans: this._untracked,
    };
  }

  onStart(span: Span, parentContext: Context): void {
    this._next.onStart(span, parentContext);
    const sweep = this._sweep;
    if (!sweep || this._shutdown) return;
    let slot = -1;
    let token = NaN;
    try {
      if (sweep.usedCount >= this._maxTracked) this._forgetOldest();
      const offsetMs = this._align ? clockOffsetMs(span) : 0;
      const parentContext = span.parentSpanContext;
      let parentToken = this._slotTokens.get(parentContext);
      if (parentToken === undefined && parentContext?.isRemote && this._injectors.size > 0) {
        parentToken = this._injectors.get(parentContext.spanId);
      }
      const parent = parentToken === undefined ? -1 : sweep.slotOf(parentToken);
      slot = sweep.start(hrTimeToMilliseconds(span.startTime) - offsetMs, parent);
      if (slot >= this._offsets.length) this._growSlots(slot);
      this._offsets[slot] = offsetMs;
      this._inline[slot] = 0;
      token = sweep.token(slot);
      // Throws if this SpanContext was stamped already (onStart twice for one span): that start is not tracked.
      this._slotTokens.put(span.spanContext(), token);
      this._pushOrder(token);
      if (span.kind === SpanKind.CLIENT || span.kind === SpanKind.PRODUCER) {
        const id = span.spanContext().spanId;
        this._injectors.set(id, token);
        this._injectorIds[slot] = id;
      }
    } catch (error) {
      if (slot >= 0 && this._slotTokens.get(span.spanContext()) !== token) {
        sweep.abandon(slot);
        sweep.free(slot);
      }
      logOnce('onStart', error);
    }
  }

  onEnding(span: Span): void {
    this._next.onEnding?.(span);
    try {
      const slot = this._ended(span);
      if (slot < 0) return;
      const sweep = this._sweep;
      if (!sweep) return;
      const covered = this._timeline?.coveredUntilAll() ?? -Infinity;
      const endMs = sweep.endMs[slot] ?? NaN;
      if (!(endMs <= covered)) {
        // Immediate needs some data to extrapolate from; before the devices first report, spans wait for it.
        if (this._immediate && covered > -Infinity && this._stillImmediate(endMs)) {
          // Finalised now, on the live span, from the data there is.
          this._immediateCount++;
          this._advanceTo(endMs, covered, slot, span);
          return;
        }
        // Not known yet. If the data has moved past the oldest waiting span, pass on what it covers now rather than
        // at the next poll: spans held for less time cost less (they are what the garbage collector has to copy).
        if (this._heldCount > 0 && covered >= (sweep.endMs[this._held[this._heldHead] ?? 0] ?? Infinity)) {
          this._advanceTo(covered, covered);
        }
        return;
      }
      // Known already (explicit past end time): set it on the span itself while it is writable.
      this._advanceTo(covered, covered, slot, span);
    } catch (error) {
      logOnce('onEnding', error);
    }
  }

  onEnd(span: ReadableSpan): void {
    const sweep = this._sweep;
    let slot = -1;
    try {
      slot = this._ended(span); // registers the end for SDKs without onEnding
      if (slot >= 0 && sweep && !sweep.isDone(slot)) {
        this._spans[slot] = span;
        const covered = this._timeline?.coveredUntilAll() ?? -Infinity;
        const endMs = sweep.endMs[slot] ?? NaN;
        if (endMs <= covered) this._advanceTo(covered, covered);
        else if (this._immediate && covered > -Infinity) this._advanceTo(endMs, covered); // an SDK without onEnding
      }
    } catch (error) {
      logOnce('onEnd', error);
    }
    if (slot < 0 || !sweep) {
      this._next.onEnd(span);
      return;
    }
    if (sweep.isDone(slot)) {
      this._release(slot, span);
      return;
    }
    this._pushHeld(slot);
    if (this._heldCount > this._maxHeld) {
      if (this._finalize === 'auto' && (this._timeline?.coveredUntilAll() ?? -Infinity) > -Infinity) this._startImmediate();
      else {
        if (this._overflow === 0) diag.warn(`openjoules: more than ${this._maxHeld} spans waiting for energy data; passing the oldest on with an estimate`);
        this._overflow++;
        this._forceUntil(this._held[this._heldHead] ?? -1);
      }
    }
    this._ensureTimer();
  }

  async forceFlush(): Promise<void> {
    await this._drain();
    await this._next.forceFlush();
  }

  async shutdown(): Promise<void> {
    if (this._shutdown) return;
    await this._drain();
    this._shutdown = true;
    this._stopTimer();
    await this._next.shutdown();
  }

  /**
   * Auto, under load: more spans wait than `maxHeldSpans`. Waiting would cost more than the answers gain, so everything
   * held goes on now (estimates past the data) and spans are finalised as they end until the rate drops.
   */
  private _startImmediate(): void {
    const sweep = this._sweep;
    if (!sweep || this._heldCount === 0) return;
    const newest = this._held[(this._heldHead + this._heldCount - 1) & (this._held.length - 1)] ?? -1;
    const newestEndMs = sweep.endMs[newest] ?? NaN;
    const covered = this._timeline?.coveredUntilAll() ?? -Infinity;
    // How long a span waits for its data now: the span-rate window that decides when to go back to waiting.
    // At least the slowest counter's period: right after a tick the lag looks short, but the next span waits a period.
    const lag = Number.isFinite(covered) ? newestEndMs - covered : this._maxHoldMs;
    this._waitMs = Math.min(this._maxHoldMs, Math.max(this._counterPeriodMs, 2 * this._pollMs, lag));
    if (this._overflow === 0) {
      diag.warn(`openjoules: more than ${this._maxHeld} spans waiting for energy data; finalising spans as they end (estimates) until the rate drops`);
    }
    this._overflow += this._heldCount;
    this._immediate = true;
    this._windowStartMs = newestEndMs;
    this._windowEnds = 0;
    this._forceUntil(newest);
  }

  /**
   * Counts a span ending in immediate mode; in auto mode, once per wait window, goes back to waiting for the data when
   * fewer than half of `maxHeldSpans` would have waited at once. Returns whether this span is finalised immediately.
   */
  private _stillImmediate(endMs: number): boolean {
    if (this._finalize !== 'auto') return true;
    const elapsed = endMs - this._windowStartMs;
    if (elapsed >= this._waitMs) {
      const wouldWait = (this._windowEnds * this._waitMs) / elapsed;
      this._windowStartMs = endMs;
      this._windowEnds = 0;
      if (wouldWait * 2 < this._maxHeld) {
        this._immediate = false;
        return false;
      }
    }
    this._windowEnds++;
    return true;
  }

  /** Marks the end of a tracked span (once); returns its slot, or -1 for spans we do not track. */
  private _ended(span: ReadableSpan): number {
    const sweep = this._sweep;
    if (!sweep) return -1;
    const token = this._slotTokens.get(span.spanContext());
    if (token === undefined) return -1;
    const slot = sweep.slotOf(token);
    if (slot < 0) return -1;
    if (!sweep.isEnded(slot)) sweep.end(slot, hrTimeToMilliseconds(span.endTime) - (this._offsets[slot] ?? 0));
    return slot;
  }

  /** Sweeps as far as every device has reported, finishing what that covers. */
  private _advance(): void {
    const timeline = this._timeline;
    if (!timeline) return;
    const covered = timeline.coveredUntilAll();
    if (covered === -Infinity) return;
    this._advanceTo(covered, covered);
  }

  /** Sweeps up to `slot`'s end even where the devices have not reported yet (extrapolating). */
  private _forceUntil(slot: number): void {
    const timeline = this._timeline;
    const sweep = this._sweep;
    if (!timeline || !sweep || slot < 0) return;
    const covered = timeline.coveredUntilAll();
    this._advanceTo(Math.max(sweep.endMs[slot] ?? NaN, covered), covered);
  }

  /**
   * Sweeps to `toMs`, works out the energy of every span that finishes, and passes on the held ones that are done.
   * `liveSlot`/`liveSpan`: the span in onEnding, whose energy goes on the span itself.
   */
  private _advanceTo(toMs: number, coveredMs: number, liveSlot = -1, liveSpan?: Span): void {
    const sweep = this._sweep;
    if (!sweep) return;
    sweep.advance(toMs, coveredMs);
    const done = sweep.doneSlots;
    for (let k = 0; k < sweep.doneCount; k++) {
      const slot = done[k] ?? 0;
      if (slot === liveSlot && liveSpan) this._finishLive(slot, liveSpan);
      else this._finish(slot);
    }
    sweep.clearDone();
    if (this._heldCount > 0) this._releaseDone();
  }

  /** Works out the energy of the span in onEnding and sets it on the span itself, while it is writable. */
  private _finishLive(slot: number, live: Span): void {
    const writer = this._writer;
    if (!writer) return;
    // The attributes it already has matter for the phase split (time to first chunk, output tokens).
    const own = live.attributes;
    const direct = directAttributes(live, MAX_ENERGY_ATTRIBUTES);
    let written: number;
    if (direct) {
      written = writer.write(direct, slot, own);
      countDirectAttributes(live, written);
    } else {
      const energy: Attributes = {};
      written = writer.write(energy, slot, own);
      if (written > 0) live.setAttributes(energy);
    }
    this._inline[slot] = written > 0 ? 1 : 2;
  }

  /** Works out a held span's energy (at once, while the data it was swept on is there) into a copy of its attributes. */
  private _finish(slot: number): void {
    const writer = this._writer;
    const span = this._spans[slot];
    if (!writer || !span) return;
    const own = span.attributes;
    const merged = Object.assign({}, own);
    this._attributes[slot] = writer.write(merged, slot, own) > 0 ? merged : undefined;
  }

  /**
   * Passes on held spans that are done, from the oldest, stopping at the first that is not: the sweep finishes spans in
   * end order, so this is everything finished except after an explicit out-of-order end time (released a bit later).
   */
  private _releaseDone(): void {
    const sweep = this._sweep;
    if (!sweep) return;
    const mask = this._held.length - 1;
    while (this._heldCount > 0) {
      const slot = this._held[this._heldHead] ?? -1;
      if (!sweep.isDone(slot)) break;
      this._heldHead = (this._heldHead + 1) & mask;
      this._heldCount--;
      if (this._unstamped > this._heldCount) this._unstamped = this._heldCount;
      this._release(slot);
    }
    if (this._heldCount === 0) this._stopTimer();
  }

  /** Passes a done span on (`given`: the span itself, when the caller has it; else the one held). */
  private _release(slot: number, given?: ReadableSpan): void {
    const span = given ?? this._spans[slot];
    const attributes = this._attributes[slot];
    const inline = this._inline[slot] ?? 0;
    if (this._spans[slot] !== undefined) this._spans[slot] = undefined;
    if (attributes !== undefined) this._attributes[slot] = undefined;
    if (this._injectors.size > 0) this._forgetInjector(slot);
    this._sweep?.free(slot);
    if (!span) return;
    let out: ReadableSpan = span;
    try {
      if (inline === 1) this._metrics?.record(span.attributes);
      else if (inline === 0 && attributes) {
        out = viewWithAttributes(span, attributes);
        this._metrics?.record(attributes);
      }
    } catch (error) {
      logOnce('release', error);
    }
    this._next.onEnd(out);
  }

  private _growSlots(slot: number): void {
    const size = Math.max(slot + 1, this._offsets.length * 2);
    const offsets = new Float64Array(size);
    offsets.set(this._offsets);
    this._offsets = offsets;
    const inline = new Uint8Array(size);
    inline.set(this._inline);
    this._inline = inline;
  }

  private _pushHeld(slot: number): void {
    if (this._heldCount === this._held.length) {
      const size = this._held.length * 2;
      const held = new Int32Array(size);
      const endedAt = new Float64Array(size);
      for (let k = 0; k < this._heldCount; k++) {
        const i = (this._heldHead + k) & (this._held.length - 1);
        held[k] = this._held[i] ?? -1;
        endedAt[k] = this._heldEndedAt[i] ?? NaN;
      }
      this._held = held;
      this._heldEndedAt = endedAt;
      this._heldHead = 0;
    }
    this._held[(this._heldHead + this._heldCount) & (this._held.length - 1)] = slot;
    this._heldCount++;
    this._unstamped++;
  }

  /**
   * Stamps the spans held since the last stamp with `nowMs` (performance.now()). Reading the clock once per poll rather
   * than once per span: a span's stamp is at most one poll later than its real end, so maxHoldMs is never cut short;
   * at worst a timeout release comes one poll interval late.
   */
  private _stamp(nowMs: number): void {
    const mask = this._held.length - 1;
    for (let k = this._heldCount - this._unstamped; k < this._heldCount; k++) {
      this._heldEndedAt[(this._heldHead + k) & mask] = nowMs;
    }
    this._unstamped = 0;
  }

  /** When the oldest held span ended (performance.now() ms). */
  private _oldestEndedAt(): number {
    return this._heldEndedAt[this._heldHead] ?? NaN;
  }

  private _ensureTimer(): void {
    if (this._timer || this._heldCount === 0) return;
    this._timer = setInterval(() => this._poll(), this._pollMs);
    this._timer.unref();
  }

  private _stopTimer(): void {
    if (this._timer) clearInterval(this._timer);
    this._timer = undefined;
  }

  private _poll(): void {
    try {
      const now = performance.now();
      this._stamp(now);
      this._advance();
      while (this._heldCount > 0 && now - this._oldestEndedAt() > this._maxHoldMs) {
        if (this._timeouts === 0) diag.warn(`openjoules: energy data did not arrive within ${this._maxHoldMs} ms; passing spans on with an estimate`);
        this._timeouts++;
        const oldest = this._held[this._heldHead] ?? -1;
        this._forceUntil(oldest);
        if (this._heldCount > 0 && this._held[this._heldHead] === oldest) break;
      }
    } catch (error) {
      logOnce('poll', error);
    }
  }

  /** Waits for held spans' data (each within its maxHoldMs), then passes the rest on with an estimate. */
  private async _drain(): Promise<void> {
    try {
      while (this._heldCount > 0) {
        this._advance();
        if (this._heldCount === 0) break;
        const now = performance.now();
        this._stamp(now);
        if (now - this._oldestEndedAt() > this._maxHoldMs) {
          this._timeouts++;
          const mask = this._held.length - 1;
          this._forceUntil(this._held[(this._heldHead + this._heldCount - 1) & mask] ?? -1);
          break;
        }
        await new Promise<void>((resolve) => setTimeout(resolve, Math.min(this._pollMs, 10)));
      }
    } catch (error) {
      logOnce('flush', error);
    }
  }

  private _pushOrder(token: number): void {
    if (this._orderTail === this._order.length) {
      // Drop what no longer names a running span, then make room.
      const sweep = this._sweep;
      let w = 0;
      for (let r = this._orderHead; r < this._orderTail; r++) {
        const t = this._order[r] ?? -1;
        const slot = sweep ? sweep.slotOf(t) : -1;
        if (slot >= 0 && !sweep?.isEnded(slot)) this._order[w++] = t;
      }
      this._orderHead = 0;
      this._orderTail = w;
      if (w * 2 > this._order.length) {
        const order = new Float64Array(this._order.length * 2);
        order.set(this._order.subarray(0, w));
        this._order = order;
      }
    }
    this._order[this._orderTail++] = token;
  }

  private _forgetInjector(slot: number): void {
    const id = this._injectorIds[slot];
    if (id === undefined) return;
    this._injectorIds[slot] = undefined;
    this._injectors.delete(id);
  }

  /** Bounded memory for spans that never end: the oldest running one is forgotten. */
  private _forgetOldest(): void {
    const sweep = this._sweep;
    if (!sweep) return;
    if (this._untracked === 0) diag.warn(`openjoules: more than ${this._maxTracked} spans running at once; forgetting the oldest (no energy on it)`);
    this._untracked++;
    while (this._orderHead < this._orderTail) {
      const slot = sweep.slotOf(this._order[this._orderHead++] ?? -1);
      if (slot < 0 || sweep.isEnded(slot)) continue;
      this._spans[slot] = undefined;
      this._forgetInjector(slot);
      sweep.abandon(slot);
      sweep.free(slot);
      return;
    }
  }
}

/**
 * span clock − timeline clock, ms. The SDK stamps a span's start with Date.now() and adds performance-clock time to it;
 * right after start that anchor is the span's start time minus performance-clock now. A span given an explicit start
 * time elsewhere falls back to Date.now()'s offset.
 *
 * The SDK's span (sdk-trace 2.x) keeps that anchor (`_performanceOffset`: Date.now() at its start minus the
 * performance clock then) and whether a start time was given; with those it needs no clock read. Anything else reads
 * the clocks.
 */
function clockOffsetMs(span: Span): number {
  const sdk = span as unknown as { _performanceOffset?: unknown; _startTimeProvided?: unknown };
  const offset = sdk._performanceOffset;
  if (typeof offset === 'number' && sdk._startTimeProvided === false) return offset;
  const perfEpoch = TIME_ORIGIN + performance.now();
  const fromSpan = hrTimeToMilliseconds(span.startTime) - perfEpoch;
  const fromDate = Date.now() - perfEpoch;
  return Math.abs(fromSpan - fromDate) < 2 ? fromSpan : fromDate;
}

/** performance.timeOrigin never changes in a process; its getter is not free. */
const TIME_ORIGIN = performance.timeOrigin;

const logged = new Set<string>();
function logOnce(where: string, error: unknown): void {
  if (logged.has(where)) return;
  logged.add(where);
  diag.error(`openjoules: EnergySpanProcessor.${where} failed; spans go on without energy`, error);
}
