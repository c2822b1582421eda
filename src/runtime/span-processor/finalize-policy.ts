/**
 * When a span gets its energy: `exact` — once the counter covers its end (held until then); `immediate` — as it ends,
 * from the data there is, extrapolating past the newest reading (never held); `auto` — exact while at most
 * `maxHeldSpans` wait, immediate while more would.
 */
export type SpanEnergyFinalize = 'auto' | 'exact' | 'immediate';

/** Values of {@link SpanEnergyFinalize}, for parsing OPENJOULES_SPAN_ENERGY. */
export const SPAN_ENERGY_FINALIZE_VALUES: readonly SpanEnergyFinalize[] = ['auto', 'exact', 'immediate'];

/**
 * Whether spans are finalised as they end or held for their data, now. Holding costs more than the arithmetic: spans
 * kept ~100 ms outlive V8's young generation, and at tens of thousands of spans a second the garbage collector's
 * copying of them dominates. So `auto` switches to immediate when more than `maxHeld` spans wait at once, and back to
 * waiting once, over a wait window, fewer than half that many would have waited.
 */
export class FinalizePolicy {
  private _immediate: boolean;
  /** Auto under load: how long spans would wait for their data (ms), and the span ends counted since `_windowStartMs`. */
  private _waitMs = 0;
  private _windowStartMs = NaN;
  private _windowEnds = 0;

  constructor(
    readonly mode: SpanEnergyFinalize,
    private readonly _maxHeld: number,
    /** Shortest wait window, ms (a span waits at least this long for its data: the slowest counter, two polls). */
    private readonly _minWaitMs: () => number,
    private readonly _maxHoldMs: number,
  ) {
    this._immediate = mode === 'immediate';
  }

  /** Finalising spans as they end now (immediate mode, or auto under load). */
  get immediate(): boolean {
    return this._immediate;
  }

  /**
   * Auto, under load: spans go immediate from now. `newestEndMs`: the newest held span's end; `coveredMs`: how far the
   * data reaches (-Infinity when no device reported yet).
   */
  startImmediate(newestEndMs: number, coveredMs: number): void {
    // How long a span waits for its data now: the span-rate window that decides when to go back to waiting. At least
    // the slowest counter's period: right after a tick the lag looks short, but the next span waits a period.
    const lag = Number.isFinite(coveredMs) ? newestEndMs - coveredMs : this._maxHoldMs;
    this._waitMs = Math.min(this._maxHoldMs, Math.max(this._minWaitMs(), lag));
    this._immediate = true;
    this._windowStartMs = newestEndMs;
    this._windowEnds = 0;
  }

  /**
   * Counts a span ending in immediate mode; in auto mode, once per wait window, goes back to waiting for the data when
   * fewer than half of `maxHeld` would have waited at once. Returns whether this span is finalised immediately.
   */
  stillImmediate(endMs: number): boolean {
    if (this.mode !== 'auto') return true;
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
}
