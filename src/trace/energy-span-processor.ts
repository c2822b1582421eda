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
 * Holding costs more than the arithmetic: spans kept ~100 ms outlive V8's young generation, and at tens of thousands
 * of spans a second the garbage collector's copying of them dominates. So by default (`finalize: 'auto'`) the wrapping
 * processor switches, when more than `maxHeldSpans` wait at once, to finalising each span as it ends from the data
 * there is (the tail past the newest reading extrapolated, energy.method = estimate), and back to waiting once the
 * rate drops. 'exact' always waits; 'immediate' never does.
 *
 * Why a copy: `setAttribute` is a no-op once a span has ended, and onEnding (the last writable moment) comes before the
 * data does. So when the energy is already known in onEnding the attributes are set on the span itself
 * (`span.setAttributes`); otherwise `next` gets, later, a read-only view of the span whose attributes include the
 * energy (span-copy.ts).
 */
import { diag, SpanKind, type Attributes, type Context, type Meter, type SpanContext } from '@opentelemetry/api';
import { hrTimeToMilliseconds } from '@opentelemetry/core';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import type { EnergySampler } from '../energy/sampler.js';
import { sharedEnergySampler } from '../energy/shared-sampler.js';
import type { EnergyTimeline } from '../energy/timeline.js';
import { OperationEnergyMetrics } from '../metrics/energy-metrics.js';
import { RemoteEnergyEstimator } from '../remote/remote-energy.js';
import { RemoteEnergySpanProcessor } from '../remote/remote-energy-span-processor.js';
import { AttributionSweep } from './attribution.js';
import { EnergyAttributeWriter } from './energy-attributes.js';
import { viewWithAttributes } from './span-copy.js';
import { SpanClock } from './span-clock.js';

/**
 * When a span gets its energy: `exact` — once the counter covers its end (held until then); `immediate` — as it ends,
 * from the data there is, extrapolating past the newest reading (never held); `auto` — exact while at most
 * `maxHeldSpans` wait, immediate while more would.
 */
export type SpanEnergyFinalize = 'auto' | 'exact' | 'immediate';

/** Values of {@link SpanEnergyFinalize}, for parsing OPENJOULES_SPAN_ENERGY. */
export const SPAN_ENERGY_FINALIZE_VALUES: readonly SpanEnergyFinalize[] = ['auto', 'exact', 'immediate'];

/** Options of {@link EnergySpanProcessor}. Every field is optional: `new EnergySpanProcessor()` works. */
export interface EnergySpanProcessorOptions {
  /**
   * The timeline to read. When this key is given — even as undefined, which makes the processor a pass-through — no
   * sampler is used. A timeline without devices is a pass-through too.
   */
  readonly timeline?: EnergyTimeline | undefined;
  /**
   * The sampler whose timeline to read, or a promise of it (spans pass through untouched until it resolves; undefined
   * means no energy). Default, when neither this nor `timeline` is given: the process-wide {@link sharedEnergySampler}.
   */
  readonly sampler?: EnergySampler | Promise<EnergySampler | undefined>;
  /**
   * Where spans go next, with their energy (e.g. a BatchSpanProcessor with an exporter): **wrapping** mode, joules
   * counter-exact (spans held until the counter covers them). Without it the processor sits **beside** the exporter's
   * processor, placed before it in the SDK's list: spans finalised as they end (an estimate of the tail past the
   * newest reading, never held); needs an SDK that calls `onEnding` (sdk-trace ≥ 2.3).
   */
  readonly next?: SpanProcessor;
  /** Longest a span waits for its energy, ms of real time after it ends; default 5000. */
  readonly maxHoldMs?: number;
  /** When spans get their energy; default `auto`. See {@link SpanEnergyFinalize}. Beside mode (no `next`) is always `immediate`. */
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
  /** Where the one-line warnings about how it was set up go (no onEnding, finalize ignored); default console.warn. */
  readonly warn?: (message: string) => void;
  /**
   * The hosted-API estimate put on model calls to a hosted API as they end (`energy.remote.*`, never mixed with the
   * measured attributes); `false` for none. Default: from OPENJOULES_REMOTE_ENERGY / OPENJOULES_REMOTE_MODELS.
   */
  readonly remoteEnergy?: RemoteEnergyEstimator | false;
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
  private readonly _finalize: SpanEnergyFinalize;
  private readonly _maxHeld: number;
  private readonly _maxTracked: number;
  private readonly _clock: SpanClock | undefined;
  private readonly _pollMs: number;
  private readonly _metrics: OperationEnergyMetrics | undefined;
  /**
   * How a span finds its slot, and a child its parent's: the slot's token ({@link AttributionSweep.token}) by the
   * span's SpanContext object. The SDK hands a child the very SpanContext object its parent's `spanContext()` returns
   * (2.x and 3.x lines), so one table serves both lookups. A token names a slot only while that slot still holds its
   * span, and an entry goes when its span is passed on or forgotten, so a child started after its parent was passed on
   * finds nothing rather than whatever reuses the slot.
   *
   * A Map with explicit deletes, not a WeakMap: a WeakMap holding every span's context costs ~0.8 µs more per span
   * (bench/trace/overhead.ts, bare spans) — the garbage collector walks its ephemeron table at every scavenge — while
   * the Map holds only what is tracked (at most `maxTrackedSpans`), each entry dropped with its slot (`_contexts`).
   */
  private readonly _tokens = new Map<SpanContext, number>();
  /** Per slot: the context it is in `_tokens` under. */
  private readonly _contexts: Array<SpanContext | undefined> = [];
  /**
   * Tokens of running CLIENT and PRODUCER spans by span id. A context that crossed a process boundary inside this
   * process (an HTTP or queue call from the agent to a server in the same process: inject, then extract) is a new
   * object not in `_tokens`; its parent is the CLIENT or PRODUCER span that injected it, so only those are looked up
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
   * more thing the garbage collector has to track.
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
  /** Finalising spans as they end (immediate mode: always, or auto under load, or beside). */
  private _immediate = false;
  private _immediateCount = 0;
  /** Auto under load: how long spans would wait for their data (ms), and the span ends counted since `_windowStartMs`. */
  private _waitMs = 0;
  /** The slowest device's counter period, ms (100 when none says). */
  private _counterPeriodMs = 0;
  private _windowStartMs = NaN;
  private _windowEnds = 0;
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
    this._finalize = this._next ? (options.finalize ?? 'auto') : 'immediate';
    if (!this._next && options.finalize !== undefined && options.finalize !== 'immediate') {
      this._warn(
        `openjoules: EnergySpanProcessor without \`next\` sits beside the exporter's processor and finalises spans as they end; finalize '${options.finalize}' needs it to wrap the exporter's processor ({ next })`,
      );
    }
    this._immediate = this._finalize === 'immediate';
    this._maxHeld = Math.max(1, options.maxHeldSpans ?? 2048);
    this._maxTracked = Math.max(1, options.maxTrackedSpans ?? 65536);
    this._clock = (options.alignClocks ?? true) ? new SpanClock() : undefined;
    this._pollMs = Math.max(1, options.pollIntervalMs ?? 20);
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
      heldSpans: this._heldCount,
      overflowReleases: this._overflow,
      immediateSpans: this._immediateCount,
      finalizing: this._immediate ? 'immediate' : 'exact',
      timeoutReleases: this._timeouts,
      untrackedSpans: this._untracked,
    };
  }

  onStart(span: Span, parentContext: Context): void {
    this._next?.onStart(span, parentContext);
    const sweep = this._sweep;
    if (!sweep || this._shutdown) return;
    let slot = -1;
    try {
      const context = span.spanContext();
      if (this._tokens.has(context)) return; // this processor registered twice: tracked once
      if (sweep.usedCount >= this._maxTracked) this._forgetOldest();
      const startMs = hrTimeToMilliseconds(span.startTime);
      const offsetMs = this._clock ? this._clock.offsetMs(startMs) : 0;
      const parentSpanContext = span.parentSpanContext;
      let parentToken = parentSpanContext && this._tokens.get(parentSpanContext);
      if (parentToken === undefined && parentSpanContext?.isRemote && this._injectors.size > 0) {
        parentToken = this._injectors.get(parentSpanContext.spanId);
      }
      const parent = parentToken === undefined ? -1 : sweep.slotOf(parentToken);
      slot = sweep.start(startMs - offsetMs, parent);
      if (slot >= this._offsets.length) this._growSlots(slot);
      this._offsets[slot] = offsetMs;
      this._inline[slot] = 0;
      const token = sweep.token(slot);
      this._tokens.set(context, token);
      this._contexts[slot] = context;
      this._pushOrder(token);
      if (span.kind === SpanKind.CLIENT || span.kind === SpanKind.PRODUCER) {
        this._injectors.set(context.spanId, token);
        this._injectorIds[slot] = context.spanId;
      }
    } catch (error) {
      if (slot >= 0) {
        this._forgetContext(slot);
        this._forgetInjector(slot);
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
        if (!this._next || (this._immediate && covered > -Infinity && this._stillImmediate(endMs))) {
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
      slot = this._ended(span, true); // registers the end for SDKs without onEnding
      if (slot >= 0 && sweep && !sweep.isDone(slot)) {
        if (this._next) this._spans[slot] = span;
        const covered = this._timeline?.coveredUntilAll() ?? -Infinity;
        const endMs = sweep.endMs[slot] ?? NaN;
        if (endMs <= covered) this._advanceTo(covered, covered);
        else if (!this._next || (this._immediate && covered > -Infinity)) this._advanceTo(endMs, covered); // an SDK without onEnding
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
    await this._next?.forceFlush();
  }

  async shutdown(): Promise<void> {
    if (this._shutdown) return;
    await this._drain();
    this._shutdown = true;
    this._stopTimer();
    await this._next?.shutdown();
  }

  /** Finds the timeline: the one given, the sampler given (or its promise), or the process-wide sampler. */
  private _connect(options: EnergySpanProcessorOptions): Promise<boolean> {
    try {
      if ('timeline' in options) return Promise.resolve(this._attach(options.timeline));
      const fromSampler = (ready: EnergySampler | undefined): boolean => {
        try {
          return this._attach(ready?.timeline);
        } catch (error) {
          logOnce('sampler', error);
          return false;
        }
      };
      const sampler = options.sampler ?? sharedEnergySampler();
      if (!isPromiseLike(sampler)) return Promise.resolve(fromSampler(sampler));
      return Promise.resolve(sampler).then(fromSampler, (error: unknown) => {
        logOnce('sampler', error);
        return false;
      });
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
    if (this._heldCount > 0) this._releaseDone();
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
    this._forgetContext(slot);
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

  private _forgetContext(slot: number): void {
    const context = this._contexts[slot];
    if (context === undefined) return;
    this._contexts[slot] = undefined;
    this._tokens.delete(context);
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
      this._forgetContext(slot);
      sweep.abandon(slot);
      sweep.free(slot);
      return;
    }
  }
}

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | undefined)?.then === 'function';
}

const logged = new Set<string>();
function logOnce(where: string, error: unknown): void {
  if (logged.has(where)) return;
  logged.add(where);
  diag.error(`openjoules: EnergySpanProcessor.${where} failed; spans go on without energy`, error);
}
