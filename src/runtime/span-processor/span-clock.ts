/**
 * Where a span's times sit on the energy readings' clock.
 *
 * The SDK times a span from `Date.now()` at its start plus the performance clock's progress since (end = start +
 * performance.now() elapsed); the readings use `performance.timeOrigin + performance.now()`. The two clocks drift
 * apart in long-running processes, so each span gets its own offset, read in `onStart` — right after the SDK took its
 * start time — from public values only: the span's `startTime` and the performance clock now.
 *
 * A span given an explicit start time (not "now") carries no anchor: its end, when not given either, is `Date.now()`
 * at `end()`, so `Date.now()`'s offset from the performance clock is the right one for it.
 */

/** Largest gap between the span's start and a read of `Date.now()` still taken as "started now", ms. */
const NOW_TOLERANCE_MS = 2;

/** performance.timeOrigin never changes in a process; its getter is not free. */
const TIME_ORIGIN = performance.timeOrigin;

/** Offsets of spans' clocks from the readings' clock. One per span processor. */
export class SpanClock {
  /** Date.now() − readings' clock, ms, as last read: compared against, so most spans read one clock, not two. */
  private _dateOffsetMs = Date.now() - (TIME_ORIGIN + performance.now());

  /** span clock − readings' clock (ms) for a span that started at `startMs` (epoch ms, from its `startTime`). */
  offsetMs(startMs: number): number {
    const fromSpan = startMs - (TIME_ORIGIN + performance.now());
    if (Math.abs(fromSpan - this._dateOffsetMs) < NOW_TOLERANCE_MS) return fromSpan;
    // Either an explicit start time, or the wall clock moved since the last read: read it again.
    const fromDate = Date.now() - (TIME_ORIGIN + performance.now());
    this._dateOffsetMs = fromDate;
    return Math.abs(fromSpan - fromDate) < NOW_TOLERANCE_MS ? fromSpan : fromDate;
  }
}
