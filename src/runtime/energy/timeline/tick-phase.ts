/**
 * Where the ticks of a counter that ticks faster than it is read fall: t = phase + k · period.
 *
 * A counter updated every millisecond (RAPL's MSRs, a MI300's energy accumulator) and read every ~10 ms shows a new
 * value at every read, so a read only says "the last tick was within the period before me" — half a period of energy
 * either way at each end of a span. The ticks are regular, though: the start-up probe measures period and phase, and
 * now and then the source catches an edge (a read just before a tick and one just after, see tick-edge.ts). Each edge
 * refits the model over the recent edges, so a period measured slightly off, or a device clock drifting against ours,
 * is followed.
 */

/** Edges the fit is made over. */
const EDGES = 32;
/** Edges in a row, off the model but agreeing with each other, that make it start over (a jump of the counter's clock). */
const CONTRARY_EDGES = 3;
/**
 * ...and the periods they must span at least: updates that land late for a while (a busy stretch) agree with each
 * other too, but only for a while; a clock that jumped stays where it jumped to.
 */
const CONTRARY_SPAN_PERIODS = 100;
/** A refitted period is accepted when it is within this fraction of the one before (else the edges disagree). */
const MAX_PERIOD_CHANGE = 1e-3;
/**
 * Ticks the kept edges must span for a refit to replace the period outright; over fewer (but at least 200) it moves
 * the period that share of the way. Each edge is known to the jitter of the update behind it (a RAPL stand-in's
 * writer: 25–75 µs, now and then 0.5 ms); edges that come many a second span a few hundred ticks, over which a 1 ms
 * period fits only to ~1e-3, and taken whole, refit after refit, the period wandered by that much: anchors drifted
 * half a period off within a second. Damped, the noise averages out over the refits and a real error (a probe a
 * little off, a device clock drifting) is still followed within seconds.
 */
const FULL_REFIT_TICKS = 20_000;

/** The tick phase of one counter. */
export class TickPhase {
  private _periodMs: number;
  private _phaseMs: number;
  private readonly _edges = new Float64Array(EDGES);
  private _count = 0;
  /** Seeded with a measured phase and not contradicted since. */
  private _seeded: boolean;
  /** Edges in a row a quarter period or more off the model (set aside until CONTRARY_EDGES of them agree). */
  private readonly _contrary = new Float64Array(CONTRARY_EDGES);
  private _contraryCount = 0;

  /**
   * @param periodMs the counter's period, ms (measured).
   * @param phaseMs the time of one tick (epoch ms) when known; otherwise the first edge sets it.
   */
  constructor(periodMs: number, phaseMs?: number) {
    this._periodMs = periodMs;
    this._phaseMs = phaseMs !== undefined && Number.isFinite(phaseMs) ? phaseMs : NaN;
    this._seeded = !Number.isNaN(this._phaseMs);
  }

  /**
   * Whether the phase is known and trusted: seeded by the probe and not contradicted since, or confirmed by three
   * edges in a row. One edge off the model is set aside: a counter's update that lands late (firmware busy, a stand-in's
   * writer descheduled) looks just like it, and starting over on it left the ticks of the next few reads unplaced. Three
   * in a row that agree with each other are a jump of the counter's clock (or a model that was wrong): the model starts
   * over from them, so a wrong model does not outlive three edges.
   */
  get ready(): boolean {
    return !Number.isNaN(this._phaseMs) && (this._seeded || this._count >= 3);
  }

  get periodMs(): number {
    return this._periodMs;
  }

  /** Records a tick seen in (loMs, hiMs], a window narrower than half a period. */
  observe(loMs: number, hiMs: number): void {
    const p = this._periodMs;
    if (!(hiMs - loMs < p / 2) || !(hiMs >= loMs)) return;
    const m = (loMs + hiMs) / 2;
    if (!Number.isNaN(this._phaseMs)) {
      if (offBy(m, this._phaseMs, p) >= p / 4) {
        this._setAside(m);
        return;
      }
      this._contraryCount = 0;
    }
    this._add(m);
  }

  /** An edge off the model: kept aside; the model starts over from CONTRARY_EDGES of them in a row that agree. */
  private _setAside(m: number): void {
    const p = this._periodMs;
    const first = this._contrary[0] ?? m;
    if (this._contraryCount > 0 && offBy(m, first, p) >= p / 8) this._contraryCount = 0;
    if (this._contraryCount === CONTRARY_EDGES) {
      // As many as it takes, but too close together: the oldest goes.
      this._contrary.copyWithin(0, 1);
      this._contraryCount--;
    }
    this._contrary[this._contraryCount++] = m;
    if (this._contraryCount < CONTRARY_EDGES || m - (this._contrary[0] ?? m) < CONTRARY_SPAN_PERIODS * p) return;
    this._contraryCount = 0;
    this._count = 0;
    this._seeded = false;
    for (const edge of this._contrary) this._add(edge);
  }

  private _add(m: number): void {
    this._edges[this._count % EDGES] = m;
    this._count++;
    if (this._count === 1) {
      this._phaseMs = m;
      return;
    }
    this._refit(m);
  }

  /** The last tick at or before tMs (NaN until the phase is known; check {@link TickPhase.ready} before trusting it). */
  tickAtOrBefore(tMs: number): number {
    const p = this._periodMs;
    return this._phaseMs + Math.floor((tMs - this._phaseMs) / p) * p;
  }

  /** The first tick after tMs (NaN until the phase is known). */
  tickAfter(tMs: number): number {
    return this.tickAtOrBefore(tMs) + this._periodMs;
  }

  /** Least squares t = phase + k · period over the kept edges (tick numbers counted from the newest edge `m`). */
  private _refit(m: number): void {
    const n = Math.min(this._count, EDGES);
    const p = this._periodMs;
    let sk = 0;
    let st = 0;
    let skk = 0;
    let skt = 0;
    let kMin = Infinity;
    for (let i = 0; i < n; i++) {
      const t = this._edges[i] ?? m;
      const k = Math.round((t - m) / p);
      sk += k;
      st += t;
      skk += k * k;
      skt += k * t;
      kMin = Math.min(kMin, k);
    }
    const sxx = skk - (sk * sk) / n;
    let period = p;
    // The period is refitted only over edges at least a few hundred ticks apart; closer ones pin the phase alone.
    if (n >= 3 && -kMin >= 200 && sxx > 0) {
      const fitted = (skt - (sk * st) / n) / sxx;
      if (Math.abs(fitted - p) <= MAX_PERIOD_CHANGE * p) period = p + (fitted - p) * Math.min(1, -kMin / FULL_REFIT_TICKS);
    }
    this._periodMs = period;
    // The phase: the mean of the edges, each moved to the newest edge's tick by whole periods.
    this._phaseMs = (st - period * sk) / n;
  }
}

/** How far t is from the nearest tick of a model with the given phase and period, ms (0 to half a period). */
function offBy(t: number, phaseMs: number, periodMs: number): number {
  return Math.abs(t - phaseMs - Math.round((t - phaseMs) / periodMs) * periodMs);
}
