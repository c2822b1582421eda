/**
 * A SpanProcessor that puts joules on every span (ours and third-party) and passes it on to the next processor.
 *
 * The span path only does arithmetic on the timeline (shared memory the sampler writes), never a driver call. A span's
 * energy is usually not known when it ends — the counter covering its end ticks later (NVML ~100 ms, powermetrics every
 * interval) — so the span is held until the timeline covers it, at most `maxHoldMs`, and at most `maxHeldSpans` at a
 * time; then it is passed on. Never dropped, never blocking: past either bound it goes on with the best estimate
 * (energy.method = estimate).
 *
 * Why a copy: `setAttribute` is a no-op once a span has ended, and onEnding (the last writable moment) comes before the
 * data does. So when the energy is already known in onEnding the attributes are set on the span itself; otherwise the
 * next processor gets, later, a read-only copy of the span whose attributes include the energy. Processors beside this
 * one (not wrapped by it) see the span without energy.
 */
import { diag, type Attributes, type Context, type Meter } from '@opentelemetry/api';
import { hrTimeToMilliseconds } from '@opentelemetry/core';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { EnergyTimeline } from '../energy/timeline.js';
import { OperationEnergyMetrics } from '../metrics/energy-metrics.js';
import { AttributionSweep, type TrackedSpan } from './attribution.js';
import { energyAttributes } from './energy-attributes.js';
import { withAttributes } from './span-copy.js';

/** Options of {@link EnergySpanProcessor}. */
export interface EnergySpanProcessorOptions {
  /** The sampler's timeline; undefined (or no devices) makes the processor a pass-through. */
  readonly timeline: EnergyTimeline | undefined;
  /** Where spans go next, with their energy (e.g. a BatchSpanProcessor with an exporter). */
  readonly next: SpanProcessor;
  /** Longest a span waits for its energy, ms of real time after it ends; default 5000. */
  readonly maxHoldMs?: number;
  /** Most spans held at once; beyond it the oldest goes on with an estimate. Default 8192. */
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
  /** Spans passed on with an estimate because their energy did not arrive within `maxHoldMs`. */
  readonly timeoutReleases: number;
  /** Spans not tracked (or forgotten) because `maxTrackedSpans` was reached. */
  readonly untrackedSpans: number;
}

interface Held {
  span: ReadableSpan | undefined;
  /** Attributes were set on the live span in onEnding. */
  inline: boolean;
  /** Clock offset (span clock − timeline clock), ms. */
  readonly offsetMs: number;
  /** performance.now() when it ended, for maxHoldMs. */
  endedAtMs: number;
  attributes: Attributes | undefined;
}

/** Puts energy attributes on every span and hands it to `next`. */
export class EnergySpanProcessor implements SpanProcessor {
  private readonly _timeline: EnergyTimeline | undefined;
  private readonly _next: SpanProcessor;
  private readonly _sweep: AttributionSweep<Held> | undefined;
  private readonly _maxHoldMs: number;
  private readonly _maxHeld: number;
  private readonly _maxTracked: number;
  private readonly _align: boolean;
  private readonly _pollMs: number;
  private readonly _metrics: OperationEnergyMetrics | undefined;
  /** Running or waiting spans by span id. */
  private readonly _tracked = new Map<string, TrackedSpan<Held>>();
  /** Ended spans waiting for their energy, in end order, from `_heldHead` on (a queue without shifting). */
  private readonly _held: Array<TrackedSpan<Held>> = [];
  private _heldHead = 0;
  private _timer: ReturnType<typeof setInterval> | undefined;
  private _overflow = 0;
  private _timeouts = 0;
  private _untracked = 0;
  private _shutdown = false;

  constructor(options: EnergySpanProcessorOptions) {
    this._next = options.next;
    const timeline = options.timeline && options.timeline.devices.length > 0 ? options.timeline : undefined;
    this._timeline = timeline;
    this._sweep = timeline ? new AttributionSweep<Held>(timeline) : undefined;
    this._maxHoldMs = options.maxHoldMs ?? 5000;
    this._maxHeld = Math.max(1, options.maxHeldSpans ?? 8192);
    this._maxTracked = Math.max(1, options.maxTrackedSpans ?? 65536);
    this._align = options.alignClocks ?? true;
    this._pollMs = Math.max(1, options.pollIntervalMs ?? 20);
    this._metrics = options.meter ? new OperationEnergyMetrics(options.meter) : undefined;
  }

  /** What the processor had to do so far. */
  stats(): EnergySpanProcessorStats {
    return {
      heldSpans: this._held.length - this._heldHead,
      overflowReleases: this._overflow,
      timeoutReleases: this._timeouts,
      untrackedSpans: this._untracked,
    };
  }

  onStart(span: Span, parentContext: Context): void {
    this._next.onStart(span, parentContext);
    const sweep = this._sweep;
    if (!sweep || this._shutdown) return;
    try {
      if (this._tracked.size >= this._maxTracked) this._forgetOldest();
      const offsetMs = this._align ? clockOffsetMs(span) : 0;
      const parentId = span.parentSpanContext?.spanId;
      const parent = parentId === undefined ? undefined : this._tracked.get(parentId);
      const key = span.spanContext().spanId;
      const payload: Held = { span: undefined, inline: false, offsetMs, endedAtMs: NaN, attributes: undefined };
      this._tracked.set(key, sweep.start(key, parent, hrTimeToMilliseconds(span.startTime) - offsetMs, payload));
    } catch (error) {
      logOnce('onStart', error);
    }
  }

  onEnding(span: Span): void {
    this._next.onEnding?.(span);
    try {
      const tracked = this._ended(span);
      if (!tracked) return;
      this._advance();
      // Known already (explicit past end time, or a fast source): set it on the span itself while it is writable.
      if (tracked.done && tracked.payload.attributes) {
        span.setAttributes(tracked.payload.attributes);
        tracked.payload.inline = true;
      }
    } catch (error) {
      logOnce('onEnding', error);
    }
  }

  onEnd(span: ReadableSpan): void {
    let tracked: TrackedSpan<Held> | undefined;
    try {
      tracked = this._ended(span); // SDKs without onEnding
    } catch (error) {
      logOnce('onEnd', error);
    }
    if (!tracked) {
      this._next.onEnd(span);
      return;
    }
    if (!tracked.done) this._advance();
    if (tracked.done) {
      this._release(tracked);
      return;
    }
    this._held.push(tracked);
    if (this._held.length - this._heldHead > this._maxHeld) {
      if (this._overflow === 0) diag.warn(`openjoules: more than ${this._maxHeld} spans waiting for energy data; passing the oldest on with an estimate`);
      this._overflow++;
      this._forceUntil(this._held[this._heldHead]);
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

  /** Marks the end of a tracked span (once); returns it, or undefined for spans we do not track. */
  private _ended(span: ReadableSpan): TrackedSpan<Held> | undefined {
    const sweep = this._sweep;
    if (!sweep) return undefined;
    const tracked = this._tracked.get(span.spanContext().spanId);
    if (!tracked) return undefined;
    tracked.payload.span = span;
    if (Number.isNaN(tracked.endMs)) {
      tracked.payload.endedAtMs = performance.now();
      sweep.end(tracked, hrTimeToMilliseconds(span.endTime) - tracked.payload.offsetMs);
    }
    return tracked;
  }

  /** Sweeps as far as every device has reported, finishing what that covers. */
  private _advance(): void {
    const timeline = this._timeline;
    const sweep = this._sweep;
    if (!timeline || !sweep) return;
    const covered = timeline.coveredUntilAll();
    if (covered === -Infinity) return;
    sweep.advance(covered, covered, (s) => this._finish(s));
    this._releaseDone();
  }

  /** Sweeps up to `held`'s end even where the devices have not reported yet (extrapolating). */
  private _forceUntil(held: TrackedSpan<Held> | undefined): void {
    const timeline = this._timeline;
    const sweep = this._sweep;
    if (!timeline || !sweep || !held) return;
    const covered = timeline.coveredUntilAll();
    sweep.advance(Math.max(held.endMs, covered), covered, (s) => this._finish(s));
    this._releaseDone();
  }

  private _finish(tracked: TrackedSpan<Held>): void {
    const timeline = this._timeline;
    const span = tracked.payload.span;
    if (!timeline) return;
    // The attributes it already has matter for the phase split (time to first chunk, output tokens).
    const own = span?.attributes ?? {};
    tracked.payload.attributes = energyAttributes(tracked, timeline, own);
  }

  /**
   * Passes on held spans that are done, from the oldest, stopping at the first that is not: the sweep finishes spans in
   * end order, so this is everything finished except after an explicit out-of-order end time (released a bit later).
   */
  private _releaseDone(): void {
    const held = this._held;
    let head = this._heldHead;
    while (head < held.length) {
      const h = held[head];
      if (!h || !h.done) break;
      held[head++] = undefined as unknown as TrackedSpan<Held>;
      this._release(h);
    }
    if (head === held.length) {
      held.length = 0;
      head = 0;
      this._stopTimer();
    } else if (head > 1024 && head * 2 > held.length) {
      held.splice(0, head);
      head = 0;
    }
    this._heldHead = head;
  }

  private _release(tracked: TrackedSpan<Held>): void {
    const { span, attributes, inline } = tracked.payload;
    this._tracked.delete(tracked.key);
    if (!span) return;
    tracked.payload.span = undefined;
    let out: ReadableSpan = span;
    try {
      if (attributes && !inline) out = withAttributes(span, attributes);
      if (attributes) this._metrics?.record(out.attributes);
    } catch (error) {
      logOnce('release', error);
    }
    this._next.onEnd(out);
  }

  private _ensureTimer(): void {
    if (this._timer || this._held.length === this._heldHead) return;
    this._timer = setInterval(() => this._poll(), this._pollMs);
    this._timer.unref();
  }

  private _stopTimer(): void {
    if (this._timer) clearInterval(this._timer);
    this._timer = undefined;
  }

  private _poll(): void {
    try {
      this._advance();
      const now = performance.now();
      let oldest = this._held[this._heldHead];
      while (oldest && now - oldest.payload.endedAtMs > this._maxHoldMs) {
        if (this._timeouts === 0) diag.warn(`openjoules: energy data did not arrive within ${this._maxHoldMs} ms; passing spans on with an estimate`);
        this._timeouts++;
        this._forceUntil(oldest);
        if (this._held[this._heldHead] === oldest) break;
        oldest = this._held[this._heldHead];
      }
    } catch (error) {
      logOnce('poll', error);
    }
  }

  /** Waits for held spans' data (each within its maxHoldMs), then passes the rest on with an estimate. */
  private async _drain(): Promise<void> {
    try {
      while (this._held.length > this._heldHead) {
        this._advance();
        const oldest = this._held[this._heldHead];
        if (!oldest) break;
        if (performance.now() - oldest.payload.endedAtMs > this._maxHoldMs) {
          this._timeouts++;
          this._forceUntil(this._held[this._held.length - 1]);
          break;
        }
        await new Promise<void>((resolve) => setTimeout(resolve, Math.min(this._pollMs, 10)));
      }
    } catch (error) {
      logOnce('flush', error);
    }
  }

  /** Bounded memory for spans that never end: the oldest running one is forgotten. */
  private _forgetOldest(): void {
    if (this._untracked === 0) diag.warn(`openjoules: more than ${this._maxTracked} spans running at once; forgetting the oldest (no energy on it)`);
    this._untracked++;
    for (const [key, tracked] of this._tracked) {
      if (!Number.isNaN(tracked.endMs)) continue;
      this._tracked.delete(key);
      this._sweep?.abandon(tracked);
      return;
    }
  }
}

/**
 * span clock − timeline clock, ms. The SDK stamps a span's start with Date.now() and adds performance-clock time to it;
 * right after start that anchor is the span's start time minus performance-clock now. A span given an explicit start
 * time elsewhere falls back to Date.now()'s offset.
 */
function clockOffsetMs(span: Span): number {
  const perfEpoch = performance.timeOrigin + performance.now();
  const fromSpan = hrTimeToMilliseconds(span.startTime) - perfEpoch;
  const fromDate = Date.now() - perfEpoch;
  return Math.abs(fromSpan - fromDate) < 2 ? fromSpan : fromDate;
}

const logged = new Set<string>();
function logOnce(where: string, error: unknown): void {
  if (logged.has(where)) return;
  logged.add(where);
  diag.error(`openjoules: EnergySpanProcessor.${where} failed; spans go on without energy`, error);
}
