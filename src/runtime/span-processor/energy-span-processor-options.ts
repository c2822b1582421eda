import type { Meter } from '@opentelemetry/api';
import type { SpanProcessor } from '@opentelemetry/sdk-trace';
import type { EnergySampler } from '../energy/sampler/sampler.js';
import type { EnergyTimeline } from '../energy/timeline/timeline.js';
import type { RemoteEnergyEstimator } from '../remote/remote-energy.js';
import type { SpanEnergyFinalize } from './finalize-policy.js';

/** Options of {@link EnergySpanProcessor}. Every field is optional: `new EnergySpanProcessor()` works. */
export interface EnergySpanProcessorOptions {
  /**
   * The timeline to read. When this key is given — even as undefined, which makes the processor a pass-through — no
   * sampler is used. A timeline without devices is a pass-through too.
   */
  readonly timeline?: EnergyTimeline | undefined;
  /**
   * The sampler whose timeline to read, or a promise of it (spans pass through untouched until it resolves; undefined
   * means no energy). Default, when neither this nor `timeline` is given: the process-wide `sharedEnergySampler()`.
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
