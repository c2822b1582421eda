/**
 * One device's energy as a function of time, rebuilt from its readings: E(t), cumulative joules at epoch ms t.
 *
 * The counter is exact only at its ticks, so the track keeps "anchors" (tick time, counter joules). Between two anchors
 * the energy is shaped by the instantaneous power samples (trapezoid of the piecewise-linear power), corrected so each
 * tick interval holds exactly what the counter says (see _interpolate for where the correction goes); without
 * instantaneous power (only a 1 s average, or nothing) it is linear between anchors. Devices without a counter get
 * anchors from integrating their power. Past the last anchor the value is an extrapolation (power, calibrated by the
 * sensor's learnt calibration or the last interval, or the last interval's mean rate).
 */
import { Series } from './series.js';
import { stepShapedJoules } from './step-shape.js';
import { FAST_COUNTER_MAX_PERIOD_MS } from '../sources/tick-edge.js';
import { TickLocator } from './tick-locator.js';
import { TickPhase } from './tick-phase.js';
import type { DeviceInfo } from '../sources/source.js';

/** Calibration of extrapolated power against the counter is kept within this factor of 1. */
const MAX_CALIBRATION = 2;
/** Tick intervals the sensor's calibration is estimated over (≈ 20 s of NVML ticks: power steps average out over them). */
const CALIBRATION_TICKS = 200;
/** Fewest tick intervals it is estimated from, and how many first ticks are left out of it. */
const CALIBRATION_MIN_TICKS = 10;
const CALIBRATION_SKIP_TICKS = 5;
/** Layout of one cached tick interval in `DeviceTrack._intervals`. */
const IV_T0 = 0;
const IV_T1 = 1;
const IV_Q0 = 2;
const IV_DQ = 3;
const IV_V0 = 4;
const IV_DV = 5;
const IV_CALIBRATION = 6;
const IV_FIELDS = 7;

export class DeviceTrack {
  readonly info: DeviceInfo;
  private readonly _anchors: Series;
  private readonly _power: Series;
  private readonly _locator: TickLocator;
  /** For a counter that ticks faster than it is read: where its ticks fall (tick-phase.ts). */
  private readonly _phase: TickPhase | undefined;
  /**
   * Whether the instantaneous power shapes E(t) between ticks. Not when it refreshes no faster than half the counter's
   * period (the A100/H100 part-time sensor: one value per 100 ms tick, taken over 25 ms of it): it then knows nothing
   * about where in a tick the energy went, only a stale quarter of it, and shaping by it does worse than a straight
   * line. It still serves where no counter is (power integration) and past the last tick. A counter faster than its
   * reads is left out of this: its ticks already pin the energy to a period, the power read at each read places a step
   * between two reads better than a straight line even when it refreshes about once a tick (a MI300's 1 ms), and the
   * probe's refresh there is only a bound, from a few changes of a power that may simply have held for milliseconds.
   */
  private readonly _powerShapes: boolean;
  private _hasCounter = false;
  private _lastReadMs = -Infinity;
  private _lastValue = NaN;
  private _lastSeenMs = NaN;
  private _seen = 0;
  /** When the current counter value was first read, epoch ms. */
  private _valueSinceMs = NaN;
  private _lastAverageWatts = NaN;
  /**
   * Beyond the last anchor and the last power sample E(t) is a straight line until the next reading comes in; the span
   * path asks about exactly that stretch when spans are finalised without waiting (see energy-span-processor.ts), so
   * the line is worked out once per reading rather than once per question. NaN start: not worked out yet.
   */
  private _tailStartMs = NaN;
  private _tailJoules = NaN;
  private _tailWatts = NaN;
  /**
   * The two tick intervals `_interpolate` worked on last, and what depends on each alone: its anchor times, the power
   * integral at its start and across it, the step uncertainty at its start and across it, the calibration (IV_* below;
   * slot 0 the most recent). Once both anchors and the power samples between them are in, none of these change, and
   * queries come in runs inside an interval or alternate between two (a window's start and end), so a query then costs
   * one search of the power samples instead of four.
   */
  private readonly _intervals = new Float64Array(2 * IV_FIELDS).fill(NaN);

  /** @param capacity points of history kept for anchors and for power samples, each. */
  constructor(info: DeviceInfo, capacity: number) {
    this.info = info;
    this._anchors = new Series(capacity);
    this._power = new Series(capacity);
    this._locator = new TickLocator(info.counterPeriodMs);
    const refresh = info.powerRefreshMs;
    const slowCounter = info.counterPeriodMs !== undefined && info.counterPeriodMs > FAST_COUNTER_MAX_PERIOD_MS;
    this._powerShapes = !(info.method === 'counter' && refresh !== undefined && slowCounter && refresh >= info.counterPeriodMs! / 2);
    const period = info.counterPeriodMs;
    if (period !== undefined && period > 0 && period <= FAST_COUNTER_MAX_PERIOD_MS && !info.counterTimestamped) {
      this._phase = new TickPhase(period, info.counterPhaseMs);
    }
  }

  /** Adds one reading laid out as in ring.ts (time, energy, power, average power, …). */
  ingest(s: Float64Array, o: number): void {
    const t = s[o] ?? NaN;
    if (!(t > this._lastReadMs)) return;
    this._lastReadMs = t;
    this._tailStartMs = NaN;
    const energy = s[o + 1] ?? NaN;
    const power = s[o + 2] ?? NaN;
    const average = s[o + 3] ?? NaN;
    if (Number.isFinite(average)) this._lastAverageWatts = average;
    if (Number.isFinite(power) && power >= 0) {
      if (this._powerShapes) this._pushPower(t, power);
      else this._lastAverageWatts = power;
    }
    if (Number.isFinite(energy)) {
      this._hasCounter = true;
      this._ingestCounter(t, energy);
    } else if (!this._hasCounter) {
      // No counter: integrate what power there is; a trailing average is the crude last resort.
      const series = this._power;
      if (!Number.isFinite(power) && Number.isFinite(average) && average >= 0) series.push(t, average);
      if (series.length > 0 && series.lastTime() === t) this._anchors.push(t, series.integral(series.length - 1), this._powerIntegralAt(t));
    }
  }

  /**
   * A power sample, with the running "step uncertainty" kept as its aux: between two samples that differ, the power
   * may have stepped anywhere in between, so the trapezoid can be off by up to |Δp|·Δt/2 there (J). See _interpolate.
   */
  private _pushPower(t: number, watts: number): void {
    const p = this._power;
    const n = p.length;
    const uncertainty = n > 0 ? p.aux(n - 1) + (Math.abs(watts - p.value(n - 1)) * ((t - p.time(n - 1)) / 1000)) / 2 : 0;
    p.push(t, watts, uncertainty);
  }

  private _ingestCounter(t: number, energy: number): void {
    if (Number.isNaN(this._lastValue)) {
      // The tick behind the first value is somewhere in the past we never saw: no anchor yet.
      this._lastValue = energy;
      this._lastSeenMs = t;
      this._valueSinceMs = t;
      this._seen = 1;
      return;
    }
    if (energy > this._lastValue) {
      const lo = this._tickWindowStart(t);
      // Whether the read before this one first showed the value it had (and made the newest anchor).
      const lastMadeAnchor = this._seen === 1 && this._valueSinceMs === this._lastSeenMs;
      let tick = this._locateTick(lo, t);
      if (lastMadeAnchor) this._placeBeforeEdge(lo, t, tick);
      const prev = this._anchors.lastTime();
      if (!(tick > prev)) tick = Number.isNaN(prev) ? t : Math.min(t, prev + 1e-6);
      this._anchors.push(tick, energy, this._powerIntegralAt(tick));
      this._lastValue = energy;
      this._valueSinceMs = t;
      this._seen = 1;
    } else {
      this._seen++;
      this._anchorAtRest(t, energy);
    }
    this._lastSeenMs = t;
  }

  /**
   * The tick behind a new value, seen somewhere in (lo, t]: for a fast counter, the tick its phase model puts there
   * (a window narrower than half a period is an edge, and refines the model first); otherwise the middle of what the
   * tick locator narrows the window to.
   */
  private _locateTick(lo: number, t: number): number {
    const phase = this._phase;
    if (phase) {
      if (t - lo < phase.periodMs / 2) phase.observe(lo, t);
      const tick = phase.ready ? phase.tickAtOrBefore(t) : NaN;
      if (tick > lo && tick <= t) return tick;
      return (lo + t) / 2;
    }
    const window = this._locator.locate(lo, t);
    return (window.lo + window.hi) / 2;
  }

  /**
   * A fast counter's edge — the value moved between two reads less than half a period apart, at `tick` — says the
   * value the first of them showed belongs to the tick a period before. That read came just before the edge (a catch,
   * tick-edge.ts), where a phase model a few µs late puts its anchor at this same tick: a whole tick's energy a period
   * late. The newest anchor is then moved back a period, when that keeps the anchors in order.
   */
  private _placeBeforeEdge(lo: number, t: number, tick: number): void {
    const phase = this._phase;
    if (!phase || !(t - lo < phase.periodMs / 2)) return;
    const a = this._anchors;
    const n = a.length;
    const before = tick - phase.periodMs;
    if (n === 0 || !(a.time(n - 1) > before + phase.periodMs / 2)) return;
    if (n >= 2 && !(a.time(n - 2) < before)) return;
    const value = a.value(n - 1);
    a.dropLast();
    a.push(before, value, this._powerIntegralAt(before));
  }

  /**
   * Where the tick behind a value first read at t can be: after the last read that still showed the old value and, when
   * the period is known, within one period before t — a counter that ticks faster than it is read (RAPL, a 1 ms ROCm
   * accumulator) shows a new value at every read, and its tick is anywhere in the period before the read, not at it.
   * A source that stamps readings with their counter's own time (powermetrics) has no tick to locate. Without a known
   * period, a value seen only once is taken as exact at t (a counter that moves continuously).
   */
  private _tickWindowStart(t: number): number {
    if (this.info.counterTimestamped) return t;
    const period = this.info.counterPeriodMs;
    if (period === undefined || !(period > 0)) return this._seen >= 2 ? this._lastSeenMs : t;
    return Math.max(this._lastSeenMs, t - period);
  }

  /**
   * A counter that has not moved for two of its periods has ticked at least once since, showing the same value: no
   * energy was drawn up to two periods ago, so that point is final. Without this a device at rest (0 W, or a test
   * counter that never moves) would stall coverage and hold every span until the hold limit.
   */
  private _anchorAtRest(t: number, energy: number): void {
    const period = this.info.counterPeriodMs;
    if (period === undefined || !(period > 0) || !(t - this._valueSinceMs >= 2 * period)) return;
    const safe = t - 2 * period;
    const last = this._anchors.lastTime();
    if (Number.isNaN(last) || safe > last) this._anchors.push(safe, energy, this._powerIntegralAt(safe));
  }

  /** Latest time (epoch ms) up to which E(t) is final; -Infinity before the first anchor. */
  coveredUntil(): number {
    return this._anchors.length > 0 ? this._anchors.lastTime() : -Infinity;
  }

  /** Oldest time still in the history, epoch ms (NaN when empty). */
  historyStart(): number {
    return this._anchors.firstTime();
  }

  /** Whether this device has produced any energy data yet. */
  hasData(): boolean {
    return this._anchors.length > 0 || (this._lastValue >= 0 && Number.isFinite(this._lastAverageWatts));
  }

  /** Cumulative joules at tMs (an extrapolation outside the anchors); NaN when there is no data. */
  energyAt(tMs: number): number {
    if (tMs >= this._tailStartMs) return this._onTail(tMs);
    const a = this._anchors;
    const n = a.length;
    if (n === 0) {
      // Only a first counter value and an average power: enough for a labelled estimate.
      if (Number.isFinite(this._lastAverageWatts) && !Number.isNaN(this._lastValue)) {
        return this._lastValue + (this._lastAverageWatts * (tMs - this._lastSeenMs)) / 1000;
      }
      return NaN;
    }
    const j = a.indexAtOrBefore(tMs);
    if (j < 0) return this._extrapolate(0, 1, tMs);
    if (j >= n - 1) {
      if (Number.isNaN(this._tailStartMs)) this._fitTail();
      return tMs >= this._tailStartMs ? this._onTail(tMs) : this._extrapolate(n - 1, n - 2, tMs);
    }
    return this._phase && this._powerShapes ? this._stepShaped(j, tMs) : this._interpolate(j, tMs);
  }

  /**
   * For a counter faster than its reads: the energy between two power samples is known almost exactly (a tick falls
   * within a period of each read), so inside that interval the power is taken to step once, where the energy says
   * (step-shape.ts); the usual shape where no single step fits.
   */
  private _stepShaped(j: number, tMs: number): number {
    const p = this._power;
    const a = this._anchors;
    const i = p.indexAtOrBefore(tMs);
    if (i < 0 || i >= p.length - 1) return this._interpolate(j, tMs);
    const t0 = p.time(i);
    const t1 = p.time(i + 1);
    if (!(t0 >= a.firstTime() && t1 < a.lastTime())) return this._interpolate(j, tMs);
    const e0 = this._interpolate(a.indexAtOrBefore(t0), t0);
    const e1 = this._interpolate(a.indexAtOrBefore(t1), t1);
    const e = stepShapedJoules(t0, t1, e0, e1, p.value(i), p.value(i + 1), tMs);
    return Number.isNaN(e) ? this._interpolate(j, tMs) : e;
  }

  /** E(t) on the line past the newest reading (tMs ≥ `_tailStartMs`). */
  private _onTail(tMs: number): number {
    return this._tailJoules + (this._tailWatts * (tMs - this._tailStartMs)) / 1000;
  }

  /** Works out the straight line E(t) follows past the newest reading (see `_tailStartMs`). */
  private _fitTail(): void {
    const a = this._anchors;
    const n = a.length;
    const p = this._power;
    const start = Math.max(a.lastTime(), p.length > 0 ? p.lastTime() : -Infinity);
    const joules = this._extrapolate(n - 1, n - 2, start);
    const watts = (this._extrapolate(n - 1, n - 2, start + 1000) - joules);
    if (!Number.isFinite(joules) || !Number.isFinite(watts)) return;
    this._tailStartMs = start;
    this._tailJoules = joules;
    this._tailWatts = watts;
  }

  /**
   * The power integral at a new anchor's time, kept with the anchor (the power samples around it never change once
   * they are in), so that interpolating between anchors costs one power search instead of three. NaN when the power
   * does not reach there yet.
   */
  private _powerIntegralAt(tMs: number): number {
    const p = this._power;
    return p.length > 1 && p.firstTime() <= tMs && p.lastTime() >= tMs ? p.integralAt(tMs) : NaN;
  }

  private _interpolate(j: number, tMs: number): number {
    const a = this._anchors;
    const t0 = a.time(j);
    const t1 = a.time(j + 1);
    const c0 = a.value(j);
    const dc = a.value(j + 1) - c0;
    const p = this._power;
    if (p.length > 1 && p.firstTime() <= t0 && p.lastTime() >= t1) {
      const iv = this._intervals;
      if (iv[IV_T0] !== t0 || iv[IV_T1] !== t1) this._enterInterval(j, t0, t1);
      const q0 = iv[IV_Q0] ?? NaN;
      const dq = iv[IV_DQ] ?? NaN;
      if (dq > 0) {
        // The counter's delta minus the trapezoid is the correction to place. The part the sensor's calibration
        // explains (it reads a few % off: learnt over the ticks before, where steps average out and a gain does not)
        // scales the whole tick; of the rest, up to the tick's step uncertainty (see _pushPower) goes to the sample
        // intervals where the power changed — a step somewhere between two samples that differ is what the trapezoid
        // cannot see — and anything beyond scales the whole tick too. On power that steps, each step's energy lands
        // in the sample interval where it happened, and flat stretches keep what the samples say.
        const i = p.indexAtOrBefore(tMs);
        const q = p.integralAtIndex(i, tMs) - q0;
        const r = dc - dq;
        const dv = iv[IV_DV] ?? NaN;
        const unexplained = r - ((iv[IV_CALIBRATION] ?? 1) - 1) * dq;
        const stepPart = dv > 0 ? Math.max(-dv, Math.min(dv, unexplained)) : 0;
        const e = c0 + q + ((r - stepPart) * q) / dq;
        return stepPart === 0 ? e : e + (stepPart * (p.auxAtIndex(i, tMs) - (iv[IV_V0] ?? NaN))) / dv;
      }
    }
    return c0 + (dc * (tMs - t0)) / (t1 - t0);
  }

  /**
   * Makes slot 0 of `_intervals` hold tick interval j (anchors at t0 and t1, power samples covering both): swapped in
   * from slot 1 when that holds it, else worked out.
   */
  private _enterInterval(j: number, t0: number, t1: number): void {
    const iv = this._intervals;
    const other = IV_FIELDS;
    if (iv[other + IV_T0] !== t0 || iv[other + IV_T1] !== t1) {
      const a = this._anchors;
      const p = this._power;
      let q0 = a.aux(j);
      if (Number.isNaN(q0)) q0 = p.integralAt(t0);
      let q1 = a.aux(j + 1);
      if (Number.isNaN(q1)) q1 = p.integralAt(t1);
      const v0 = p.auxAt(t0);
      const learnt = this._calibrationAround(j);
      iv[other + IV_T0] = t0;
      iv[other + IV_T1] = t1;
      iv[other + IV_Q0] = q0;
      iv[other + IV_DQ] = q1 - q0;
      iv[other + IV_V0] = v0;
      iv[other + IV_DV] = p.auxAt(t1) - v0;
      iv[other + IV_CALIBRATION] = Number.isNaN(learnt) ? 1 : learnt;
    }
    // Most recent first: swap the two slots.
    for (let k = 0; k < IV_FIELDS; k++) {
      const x = iv[k] ?? NaN;
      iv[k] = iv[other + k] ?? NaN;
      iv[other + k] = x;
    }
  }

  /**
   * Counter joules per power-integral joule over up to CALIBRATION_TICKS tick intervals ending with interval j, kept
   * within MAX_CALIBRATION of 1; NaN until there are enough ticks to say. Only ticks up to j's own end count, so E(t)
   * inside an interval is final once the interval's closing tick is in: later ticks never change it.
   */
  private _calibrationAround(j: number): number {
    const a = this._anchors;
    const hi = Math.min(a.length - 1, j + 1);
    // The first ticks are located before the tick phase has converged (a few ms off): they would skew the ratio.
    const lo = Math.max(CALIBRATION_SKIP_TICKS, hi - CALIBRATION_TICKS);
    if (hi - lo < CALIBRATION_MIN_TICKS) return NaN;
    const dq = a.aux(hi) - a.aux(lo);
    const dc = a.value(hi) - a.value(lo);
    if (!(dq > 0) || !(dc >= 0)) return NaN;
    return Math.min(MAX_CALIBRATION, Math.max(1 / MAX_CALIBRATION, dc / dq));
  }

  /** Beyond anchor `edge` (the first or last), using the interval between `edge` and `other` to calibrate. */
  private _extrapolate(edge: number, other: number, tMs: number): number {
    const a = this._anchors;
    const te = a.time(edge);
    const ce = a.value(edge);
    const hasInterval = other >= 0 && other < a.length;
    const p = this._power;
    const powerReaches = tMs > te ? p.lastTime() > te : p.firstTime() < te;
    if (p.length > 0 && powerReaches) {
      let k = 1;
      // Past the newest tick: the sensor's calibration learnt over the ticks before (one interval alone carries the
      // error of every power step in it); until there are enough ticks, the last interval's.
      const learnt = this._hasCounter && hasInterval && tMs > te && other === edge - 1 ? this._calibrationAround(other) : NaN;
      if (!Number.isNaN(learnt)) k = learnt;
      else if (this._hasCounter && hasInterval) {
        const to = a.time(other);
        if (p.firstTime() <= Math.min(te, to) && p.lastTime() >= Math.max(te, to)) {
          const dq = p.integralAt(Math.max(te, to)) - p.integralAt(Math.min(te, to));
          if (dq > 0) k = Math.min(MAX_CALIBRATION, Math.max(1 / MAX_CALIBRATION, Math.abs(ce - a.value(other)) / dq));
        }
      }
      return ce + k * (p.integralAt(tMs) - p.integralAt(te));
    }
    let watts: number;
    if (hasInterval) {
      const to = a.time(other);
      watts = ((ce - a.value(other)) / (te - to)) * 1000;
    } else if (Number.isFinite(this._lastAverageWatts)) watts = this._lastAverageWatts;
    else watts = p.length > 0 ? p.value(p.length - 1) : 0;
    return ce + (watts * (tMs - te)) / 1000;
  }

  /** Highest power in [t0, t1], watts: from instantaneous samples when there are some, else the busiest tick interval. */
  peakWatts(t0Ms: number, t1Ms: number): number {
    const p = this._power;
    // Past the newest power sample the power is held flat (as energyAt extrapolates it).
    if (p.length > 0 && t0Ms >= p.lastTime()) return p.value(p.length - 1);
    if (p.length > 0 && p.firstTime() <= t1Ms && p.lastTime() >= t0Ms) return p.maxIn(t0Ms, t1Ms);
    const a = this._anchors;
    let peak = NaN;
    for (let j = Math.max(0, a.indexAtOrBefore(t0Ms)); j + 1 < a.length && a.time(j) < t1Ms; j++) {
      const w = ((a.value(j + 1) - a.value(j)) / (a.time(j + 1) - a.time(j))) * 1000;
      if (!(w <= peak)) peak = w;
    }
    if (!Number.isNaN(peak)) return peak;
    return t1Ms > t0Ms ? ((this.energyAt(t1Ms) - this.energyAt(t0Ms)) / (t1Ms - t0Ms)) * 1000 : NaN;
  }
}
