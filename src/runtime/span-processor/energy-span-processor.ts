/**
 * A SpanProcessor that puts joules on every span (ours and third-party), on the public OpenTelemetry SDK API only, so it
 * drops into a host's own SDK (NodeSDK, NodeTracerProvider, TracerProvider) on the 2.x and 3.x lines.
 *
 * Two ways to place it — they give different things:
 * - **Wrapping** the exporter's processor (`new EnergySpanProcessor({ next: new BatchSpanProcessor(...) })`):
 *   counter-exact joules. A span's energy is usually not known when it ends — the counter covering its end ticks later
 *   (NVML ~100 ms, powermetrics every interval) — so the span is held until the timeline covers it, at most
 *   `maxHoldMs`, at most `maxHeldSpans` at a time, and then handed to `next`. Never dropped, never blocking: past
 *   either bound it goes on with the best estimate (energy.method = estimate).
 * - **Beside** the exporter's processor (no `next`: `spanProcessors: [new EnergySpanProcessor(), new
 *   BatchSpanProcessor(...)]`): every span is finalised in `onEnding`, on the live span, from the data there is — the
 *   tail past the newest reading is an estimate (energy.method = estimate) — and never held, so every processor after
 *   this one sees the energy. Needs an SDK that calls `onEnding` (sdk-trace ≥ 2.3); without it spans carry none
 *   (warned once).
 *
 * The sampler: given (`sampler`, or a `timeline`), or else the process-wide one ({@link sharedEnergySampler}), started
 * on first use. Nothing needs to be awaited: until the sampler is ready spans pass through untouched; spans started
 * after it is ready get joules.
 *
 * The span path only does arithmetic on the timeline (shared memory the sampler writes), never a driver call.
 *
 * By default (`finalize: 'auto'`) the wrapping processor switches, when more than `maxHeldSpans` wait at once, to
 * finalising each span as it ends from the data there is, and back to waiting once the rate drops (finalize-policy.ts).
 *
 * Its parts, one job each: the sweep that works out every span's joules (attribution.ts), the attributes it writes
 * (energy-attributes.ts), the token table by SpanContext (span-tokens.ts) and the injector lookup for contexts that
 * crossed a process boundary in-process (injector-index.ts), the spans in start order for bounded memory
 * (start-order.ts), the held queue (held-queue.ts), the finalize policy (finalize-policy.ts), clock alignment
 * (span-clock.ts), the poll timer (poll-timer.ts). This file wires them to the SDK's four calls.
 *
 * Why a copy: `setAttribute` is a no-op once a span has ended, and onEnding (the last writable moment) comes before the
 * data does. So when the energy is already known in onEnding the attributes are set on the span itself
 * (`span.setAttributes`); otherwise `next` gets, later, a read-only view of the span whose attributes include the
 * energy (span-copy.ts).
 */
import { diag, SpanKind, type Attributes, type Context } from '@opentelemetry/api';
import { hrTimeToMilliseconds } from '@opentelemetry/core';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import type { EnergyTimeline } from '../energy/timeline/timeline.js';
import { OperationEnergyMetrics } from '../metrics/energy-metrics.js';
import { RemoteEnergyEstimator } from '../remote/remote-energy.js';
import { RemoteEnergySpanProcessor } from '../remote/remote-energy-span-processor.js';
import { AttributionSweep } from './attribution.js';
import { stampBatchId } from './batch-id.js';
import { EnergyAttributeWriter } from './energy-attributes.js';
import type { EnergySpanProcessorOptions, EnergySpanProcessorStats } from './energy-span-processor-options.js';
import { FinalizePolicy } from './finalize-policy.js';
import { HeldQueue } from './held-queue.js';
import { InjectorIndex } from './injector-index.js';
import { PollTimer } from './poll-timer.js';
import { viewWithAttributes } from './span-copy.js';
import { SpanClock } from './span-clock.js';
import { findTimeline, isPromiseLike } from './timeline-finder.js';
import { SpanTokens } from './span-tokens.js';
import { StartOrder } from './start-order.js';

export type { EnergySpanProcessorOptions, EnergySpanProcessorStats } from './energy-span-processor-options.js';

/**
 * Puts energy attributes on every span: wrapping `next` (counter-exact, spans held for their data) or, with no `next`,
 * beside the exporter's processor (finalised as each span ends, never held). See the file comment.
 */
export class EnergySpanProcessor implements SpanProcessor {
  private _timeline: EnergyTimeline | undefined;
  private readonly _next: SpanProcessor | undefined;
  private _sweep: AttributionSweep | undefined;
  private _writer: EnergyAttributeWriter | undefined;
  private readonly _ready: Promise<boolean>;
  private readonly _warn: (message: string) => void;
  private readonly _maxHoldMs: number;
  private readonly _maxHeld: number;
  private readonly _maxTracked: number;
  private readonly _clock: SpanClock | undefined;
  private readonly _pollMs: number;
  private readonly _metrics: OperationEnergyMetrics | undefined;
  private readonly _policy: FinalizePolicy;
  private readonly _tokens = new SpanTokens();
  private readonly _injectors = new InjectorIndex();
  private _order: StartOrder | undefined;
  private readonly _held = new HeldQueue();
  private readonly _timer: PollTimer;
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
   * more thing the garbage collector has to track.
   */
  private _inline = new Uint8Array(256);
  private _overflow = 0;
  private _immediateCount = 0;
  /** The slowest device's counter period, ms (100 when none says). */
  private _counterPeriodMs = 0;
  private _timeouts = 0;
  private _untracked = 0;
  private _noOnEnding = false;
  private _shutdown = false;
  /** The hosted-API estimate, when on (the same step startOpenJoules runs in front of its pipeline). */
  private readonly _remote: RemoteEnergySpanProcessor | undefined;

  constructor(options: EnergySpanProcessorOptions = {}) {
    this._next = options.next;
    this._warn = options.warn ?? ((message) => console.warn(message));
    this._maxHoldMs = options.maxHoldMs ?? 5000;
    const finalize = this._next ? (options.finalize ?? 'auto') : 'immediate';
    if (!this._next && options.finalize !== undefined && options.finalize !== 'immediate') {
      this._warn(
        `openjoules: EnergySpanProcessor without \`next\` sits beside the exporter's processor and finalises spans as they end; finalize '${options.finalize}' needs it to wrap the exporter's processor ({ next })`,
      );
    }
    this._maxHeld = Math.max(1, options.maxHeldSpans ?? 2048);
    this._maxTracked = Math.max(1, options.maxTrackedSpans ?? 65536);
    this._clock = (options.alignClocks ?? true) ? new SpanClock() : undefined;
    this._pollMs = Math.max(1, options.pollIntervalMs ?? 20);
    this._policy = new FinalizePolicy(finalize, this._maxHeld, () => Math.max(this._counterPeriodMs, 2 * this._pollMs), this._maxHoldMs);
    this._timer = new PollTimer(this._pollMs, () => this._poll());
    this._metrics = options.meter ? new OperationEnergyMetrics(options.meter) : undefined;
    const remote = options.remoteEnergy === undefined ? RemoteEnergyEstimator.fromEnv(process.env, this._warn) : options.remoteEnergy || undefined;
    this._remote = remote ? new RemoteEnergySpanProcessor(remote) : undefined;
    this._ready = this._connect(options);
  }

  /**
   * Resolves true once spans get energy, false when they never will (no device, no sampler, shut down). Never rejects.
   * Nothing needs to wait for it: until then spans pass through untouched.
   */
  whenReady(): Promise<boolean> {
    return this._ready;
  }

  /** What the processor had to do so far. */
  stats(): EnergySpanProcessorStats {
    return {
      heldSpans: this._held.count,
      overflowReleases: this._overflow,
      immediateSpans: this._immediateCount,
      finalizing: this._policy.immediate ? 'immediate' : 'exact',
      timeoutReleases: this._timeouts,
      untrackedSpans: this._untracked,
    };
  }

  onStart(span: Span, parentContext: Context): void {
    stampBatchId(span, parentContext);
    this._next?.onStart(span, parentContext);
    const sweep = this._sweep;
    if (!sweep || this._shutdown) return;
    let slot = -1;
    try {
      const context = span.spanContext();
      if (this._tokens.has(context)) return; // this processor registered twice: tracked once
      if (sweep.usedCount >= this._maxTracked) this._forgetOldest(sweep);
      const startMs = hrTimeToMilliseconds(span.startTime);
      const offsetMs = this._clock ? this._clock.offsetMs(startMs) : 0;
      const parentSpanContext = span.parentSpanContext;
      let parentToken = parentSpanContext && this._tokens.get(parentSpanContext);
      if (parentToken === undefined && parentSpanContext?.isRemote && this._injectors.size > 0) {
        parentToken = this._injectors.get(parentSpanContext.spanId);
      }
      const parent = parentToken === undefined ? -1 : sweep.slotOf(parentToken);
      slot = sweep.start(startMs - offsetMs, parent);
      this._timeline?.requestReading(); // a reading at the edge (no driver call here: the sampler's thread reads)
      if (slot >= this._offsets.length) this._growSlots(slot);
      this._offsets[slot] = offsetMs;
      this._inline[slot] = 0;
      const token = sweep.token(slot);
      this._tokens.add(slot, context, token);
      this._order?.push(token);
      if (span.kind === SpanKind.CLIENT || span.kind === SpanKind.PRODUCER) this._injectors.add(slot, context.spanId, token);
    } catch (error) {
      if (slot >= 0) {
        this._tokens.forget(slot);
        this._injectors.forget(slot);
        sweep.abandon(slot);
        sweep.free(slot);
      }
      logOnce('onStart', error);
    }
  }

  onEnding(span: Span): void {
    this._remote?.onEnding(span);
    this._next?.onEnding?.(span);
    try {
      const slot = this._ended(span);
      if (slot < 0) return;
      const sweep = this._sweep;
      if (!sweep) return;
      const covered = this._timeline?.coveredUntilAll() ?? -Infinity;
      const endMs = sweep.endMs[slot] ?? NaN;
      if (!(endMs <= covered)) {
        // Beside: now or never (nothing to extrapolate from before the devices first report: no energy).
        // Immediate needs some data to extrapolate from; before the devices first report, spans wait for it.
        if (!this._next || (this._policy.immediate && covered > -Infinity && this._policy.stillImmediate(endMs))) {
          // Finalised now, on the live span, from the data there is.
          this._immediateCount++;
          this._advanceTo(endMs, covered, slot, span);
          return;
        }
        // Not known yet. If the data has moved past the oldest waiting span, pass on what it covers now rather than
        // at the next poll: spans held for less time cost less (they are what the garbage collector has to copy).
        if (this._held.count > 0 && covered >= (sweep.endMs[this._held.oldest] ?? Infinity)) {
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
      slot = this._ended(span, true); // registers the end for SDKs without onEnding
      if (slot >= 0 && sweep && !sweep.isDone(slot)) {
        if (this._next) this._spans[slot] = span;
        const covered = this._timeline?.coveredUntilAll() ?? -Infinity;
        const endMs = sweep.endMs[slot] ?? NaN;
        if (endMs <= covered) this._advanceTo(covered, covered);
        else if (!this._next || (this._policy.immediate && covered > -Infinity)) this._advanceTo(endMs, covered); // an SDK without onEnding
      }
    } catch (error) {
      logOnce('onEnd', error);
    }
    if (slot < 0 || !sweep) {
      this._next?.onEnd(span);
      return;
    }
    if (sweep.isDone(slot) || !this._next) {
      this._release(slot, span);
      return;
    }
    this._held.push(slot);
    if (this._held.count > this._maxHeld) {
      if (this._policy.mode === 'auto' && (this._timeline?.coveredUntilAll() ?? -Infinity) > -Infinity) this._startImmediate();
      else {
        if (this._overflow === 0) diag.warn(`openjoules: more than ${this._maxHeld} spans waiting for energy data; passing the oldest on with an estimate`);
        this._overflow++;
        this._forceUntil(this._held.oldest);
      }
    }
    if (this._held.count > 0) this._timer.start();
  }

  async forceFlush(): Promise<void> {
    await this._drain();
    await this._next?.forceFlush();
  }

  async shutdown(): Promise<void> {
    if (this._shutdown) return;
    await this._drain();
    this._shutdown = true;
    this._timer.stop();
    await this._next?.shutdown();
  }

  /** Attaches the timeline now when it is at hand, else once the sampler is ready. */
  private _connect(options: EnergySpanProcessorOptions): Promise<boolean> {
    try {
      const found = findTimeline(options, logOnce);
      if (!isPromiseLike(found)) return Promise.resolve(this._attach(found));
      return Promise.resolve(found).then((timeline) => this._attach(timeline));
    } catch (error) {
      logOnce('sampler', error);
      return Promise.resolve(false);
    }
  }

  /** Starts measuring from `timeline`; returns whether spans will get energy. Never throws (it runs in `then`). */
  private _attach(timeline: EnergyTimeline | undefined): boolean {
    try {
      if (this._shutdown || !timeline || timeline.devices.length === 0) return false;
      const sweep = new AttributionSweep(timeline);
      this._writer = new EnergyAttributeWriter(timeline, sweep);
      this._counterPeriodMs = Math.max(0, ...timeline.devices.map((d) => d.counterPeriodMs ?? 100));
      this._timeline = timeline;
      this._order = new StartOrder(sweep);
      this._sweep = sweep;
      return true;
    } catch (error) {
      logOnce('sampler', error);
      return false;
    }
  }

  /**
   * Auto, under load: more spans wait than `maxHeldSpans`. Waiting would cost more than the answers gain, so everything
   * held goes on now (estimates past the data) and spans are finalised as they end until the rate drops.
   */
  private _startImmediate(): void {
    const sweep = this._sweep;
    if (!sweep || this._held.count === 0) return;
    const newest = this._held.newest;
    this._policy.startImmediate(sweep.endMs[newest] ?? NaN, this._timeline?.coveredUntilAll() ?? -Infinity);
    if (this._overflow === 0) {
      diag.warn(`openjoules: more than ${this._maxHeld} spans waiting for energy data; finalising spans as they end (estimates) until the rate drops`);
    }
    this._overflow += this._held.count;
    this._forceUntil(newest);
  }

  /**
   * Marks the end of a tracked span (once); returns its slot, or -1 for spans we do not track. `inOnEnd`: called from
   * onEnd, where a span not ended yet means the SDK has no onEnding (a processor beside the exporter's can then do
   * nothing for it: warned once).
   */
  private _ended(span: ReadableSpan, inOnEnd = false): number {
    const sweep = this._sweep;
    if (!sweep) return -1;
    const token = this._tokens.get(span.spanContext());
    if (token === undefined) return -1;
    const slot = sweep.slotOf(token);
    if (slot < 0) return -1;
    if (!sweep.isEnded(slot)) {
      if (inOnEnd && !this._next && !this._noOnEnding) {
        this._noOnEnding = true;
        this._warn(
          "openjoules: this OpenTelemetry SDK does not call onEnding (sdk-trace >= 2.3 does), so an EnergySpanProcessor beside the exporter's processor cannot put energy on spans; wrap it instead: new EnergySpanProcessor({ next: yourBatchSpanProcessor })",
        );
      }
      sweep.end(slot, hrTimeToMilliseconds(span.endTime) - (this._offsets[slot] ?? 0));
      this._timeline?.requestReading();
    }
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
    if (this._held.count > 0) this._releaseDone();
  }

  /** Works out the energy of the span in onEnding and sets it on the span itself, while it is writable. */
  private _finishLive(slot: number, live: Span): void {
    const writer = this._writer;
    if (!writer) return;
    const energy: Attributes = {};
    // The attributes it already has matter for the phase split (time to first chunk, output tokens).
    const written = writer.write(energy, slot, live.attributes);
    if (written > 0) live.setAttributes(energy); // the SDK applies its own limits (count, value length)
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
    while (this._held.count > 0) {
      const slot = this._held.oldest;
      if (!sweep.isDone(slot)) break;
      this._held.shift();
      this._release(slot);
    }
    if (this._held.count === 0) this._timer.stop();
  }

  /** Passes a done span on (`given`: the span itself, when the caller has it; else the one held). */
  private _release(slot: number, given?: ReadableSpan): void {
    const span = given ?? this._spans[slot];
    const attributes = this._attributes[slot];
    const inline = this._inline[slot] ?? 0;
    if (this._spans[slot] !== undefined) this._spans[slot] = undefined;
    if (attributes !== undefined) this._attributes[slot] = undefined;
    if (this._injectors.size > 0) this._injectors.forget(slot);
    this._tokens.forget(slot);
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
    this._next?.onEnd(out);
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

  private _poll(): void {
    try {
      const now = performance.now();
      this._held.stamp(now);
      this._advance();
      while (this._held.count > 0 && now - this._held.oldestEndedAt > this._maxHoldMs) {
        if (this._timeouts === 0) diag.warn(`openjoules: energy data did not arrive within ${this._maxHoldMs} ms; passing spans on with an estimate`);
        this._timeouts++;
        const oldest = this._held.oldest;
        this._forceUntil(oldest);
        if (this._held.count > 0 && this._held.oldest === oldest) break;
      }
    } catch (error) {
      logOnce('poll', error);
    }
  }

  /** Waits for held spans' data (each within its maxHoldMs), then passes the rest on with an estimate. */
  private async _drain(): Promise<void> {
    try {
      while (this._held.count > 0) {
        this._advance();
        if (this._held.count === 0) break;
        const now = performance.now();
        this._held.stamp(now);
        if (now - this._held.oldestEndedAt > this._maxHoldMs) {
          this._timeouts++;
          this._forceUntil(this._held.newest);
          break;
        }
        await new Promise<void>((resolve) => setTimeout(resolve, Math.min(this._pollMs, 10)));
      }
    } catch (error) {
      logOnce('flush', error);
    }
  }

  /** Bounded memory for spans that never end: the oldest running one is forgotten. */
  private _forgetOldest(sweep: AttributionSweep): void {
    if (this._untracked === 0) diag.warn(`openjoules: more than ${this._maxTracked} spans running at once; forgetting the oldest (no energy on it)`);
    this._untracked++;
    const slot = this._order?.takeOldestRunning() ?? -1;
    if (slot < 0) return;
    this._spans[slot] = undefined;
    this._injectors.forget(slot);
    this._tokens.forget(slot);
    sweep.abandon(slot);
    sweep.free(slot);
  }
}

const logged = new Set<string>();
function logOnce(where: string, error: unknown): void {
  if (logged.has(where)) return;
  logged.add(where);
  diag.error(`openjoules: EnergySpanProcessor.${where} failed; spans go on without energy`, error);
}
