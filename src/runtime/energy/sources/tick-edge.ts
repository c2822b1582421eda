/**
 * Catches a fast counter ticking: when a read finds the next tick due within a few call durations, the source polls
 * the counter once or a few times more until it moves, and reports the last read before the tick and the first after.
 * The timeline then knows that tick to within a call's duration, which pins the phase of all the others
 * (tick-phase.ts). Reads land at random phases, so a few percent of them come just before a tick; catching is also
 * rate-limited, so its cost stays a few polls a second per device. A catch that finds no tick where the model expected
 * one (its period measured a little off, the device's clock drifting) widens the next search, up to half a period, so
 * the model is found again.
 */
import { TickPhase } from '../timeline/tick-phase.js';
import { timedCall } from './timed-call.js';

/** Counters at most this slow are "fast": read every ~10 ms, they show a new value at every read. */
export const FAST_COUNTER_MAX_PERIOD_MS = 5;
/** Shortest time between two catches, ms... */
const MIN_CATCH_INTERVAL_MS = 250;
/**
 * ...and while the model has fewer edges than SETTLING_EDGES: the probe's period may be 1e-3 off, which over 250 ticks
 * puts the next tick a quarter period from where the model says, too far to tell it from a late update. Edges a few
 * dozen ticks apart first pin the period well enough for the next ones to be far apart.
 */
const SETTLING_CATCH_INTERVAL_MS = 20;
const SETTLING_EDGES = 10;
/** Least lead time, ms: the tick must be due this soon after a read for a catch to be tried. */
const MIN_LEAD_MS = 0.05;

/**
 * How close to a tick a read is too close: within it the value read may be the tick's old one or its new one, and the
 * timeline would anchor a whole tick's energy at the wrong tick. Before a tick, the call may reach the counter after
 * the tick although its time stamp (taken just before) is earlier: two call durations, at least MIN_GUARD_BEFORE_MS.
 * After a tick (as the source's edges place it), the update may still be on its way (firmware, or the RAPL stand-in's
 * writer, whose updates land 25–75 µs after the tick and now and then later): half the period.
 */
const MIN_GUARD_BEFORE_MS = 0.05;
const GUARD_AFTER_SHARE = 0.5;

/** Reads of one counter per pass, at most, until one returns clear of the next tick (see returnedClear). */
const MAX_CLEAR_READS = 3;

/** One counter value and the time it refers to at the latest (a poll's start for the value before, its end after). */
export interface EdgeReading {
  readonly timeMs: number;
  readonly value: number;
}

/** Tries to catch ticks of one counter. */
export class TickEdgeCatcher {
  private readonly _phase: TickPhase;
  /** The lead a catch starts from, and the one it uses now (doubled after every miss, back after a catch). */
  private readonly _baseLeadMs: number;
  private _leadMs: number;
  private _lastCatchMs = -Infinity;
  private readonly _guardBeforeMs: number;
  private readonly _guardAfterMs: number;
  /** For sleeping a fraction of a millisecond (Atomics.wait on a value nobody changes). */
  private readonly _sleeper = new Int32Array(new SharedArrayBuffer(4));

  /**
   * @param periodMs the measured period, ms; @param phaseMs a measured tick time (epoch ms);
   * @param callMs how long one read of the counter takes, ms (the probe's median).
   */
  constructor(periodMs: number, phaseMs: number, callMs: number) {
    this._phase = new TickPhase(periodMs, phaseMs);
    this._baseLeadMs = Math.min(periodMs / 4, Math.max(MIN_LEAD_MS, 3 * (Number.isFinite(callMs) ? callMs : 0)));
    this._leadMs = this._baseLeadMs;
    this._guardBeforeMs = Math.min(periodMs / 8, Math.max(MIN_GUARD_BEFORE_MS, 2 * (Number.isFinite(callMs) ? callMs : 0)));
    this._guardAfterMs = GUARD_AFTER_SHARE * periodMs;
  }

  /**
   * Before a read: when a tick of the model is just ahead or just behind (see the guards above), sleeps until the guard
   * past it, so the value read belongs to one tick without doubt. Sleeps at most a third of a period; nothing before
   * the phase is known.
   */
  waitClearOfTick(now: () => number): void {
    const phase = this._phase;
    if (!phase.ready) return;
    const t = now();
    const previous = phase.tickAtOrBefore(t);
    const next = previous + phase.periodMs;
    const clearAt = t - previous < this._guardAfterMs ? previous + this._guardAfterMs : next - t < this._guardBeforeMs ? next + this._guardAfterMs : t;
    if (clearAt > t) Atomics.wait(this._sleeper, 0, 0, clearAt - t);
  }

  /**
   * After a read made clear of ticks (waitClearOfTick): whether it also returned clear of the next one. Its time is
   * taken just before the call, but the counter may be reached later: a thread held up inside the call (an interrupt,
   * the hypervisor; tens of µs now and then on a VM) reaches it after the tick, and the value is then a tick newer than
   * its time says — a whole tick's energy anchored one tick early. A call that ended inside the guard before the next
   * tick, or past it, may have seen either value; so may one that started inside the guard after a tick (a stalled
   * call made again at once, timed-call.ts: the update may not have landed yet). The caller reads again. True until the
   * phase is known.
   */
  returnedClear(startMs: number, endMs: number): boolean {
    const phase = this._phase;
    if (!phase.ready) return true;
    const previous = phase.tickAtOrBefore(startMs);
    // A tenth off the guard after: the wait before the read ends at it, give or take the clock's reading.
    return startMs - previous >= 0.9 * this._guardAfterMs && previous + phase.periodMs - endMs >= this._guardBeforeMs;
  }

  /**
   * A counter read clear of ticks: waits clear of them (waitClearOfTick), reads through timedCall, and reads again,
   * MAX_CLEAR_READS times in all at most, while a read did not return clear (returnedClear). `read` makes the driver
   * call and says whether it succeeded (a failed one is not made again). Returns the time of the read that counts.
   */
  timedReadClearOfTick(read: () => boolean, stallMs: number, now: () => number): number {
    for (let attempt = 1; ; attempt++) {
      this.waitClearOfTick(now);
      let ok = false;
      const timeMs = timedCall(() => {
        ok = read();
      }, stallMs);
      if (!ok || attempt >= MAX_CLEAR_READS || this.returnedClear(timeMs, now())) return timeMs;
    }
  }

  /**
   * After a read that ended at `nowMs`: polls `read` (a counter value, undefined on failure) around the next tick when
   * it is due within the lead time, returning the reads just before and just after it; undefined when no tick was due,
   * it is too soon since the last catch, or the value did not move within the lead time past the tick.
   */
  maybeCatch(nowMs: number, read: () => number | undefined, now: () => number): [EdgeReading, EdgeReading] | undefined {
    const phase = this._phase;
    const due = phase.tickAfter(nowMs);
    const interval = phase.edgeCount < SETTLING_EDGES ? SETTLING_CATCH_INTERVAL_MS : MIN_CATCH_INTERVAL_MS;
    if (!(due - nowMs <= this._leadMs) || nowMs - this._lastCatchMs < interval) return undefined;
    this._lastCatchMs = nowMs;
    let beforeMs = now();
    let before = read();
    if (before === undefined) return undefined;
    const giveUpMs = due + this._leadMs;
    for (;;) {
      const start = now();
      const value = read();
      const end = now();
      if (value === undefined) return undefined;
      if (value !== before) {
        // Seen across a stall, the change is no edge; the model may still be right.
        if (end - beforeMs >= this._phase.periodMs / 2) return undefined;
        phase.observe(beforeMs, end);
        this._leadMs = this._baseLeadMs;
        return [
          { timeMs: beforeMs, value: before },
          { timeMs: end, value },
        ];
      }
      if (end > giveUpMs) {
        this._leadMs = Math.min(phase.periodMs / 2, 2 * this._leadMs);
        return undefined;
      }
      beforeMs = start;
      before = value;
    }
  }
}
