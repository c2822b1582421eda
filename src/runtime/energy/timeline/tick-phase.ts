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
/** A refitted period is accepted when it is within this fraction of the one before (else the edges disagree). */
const MAX_PERIOD_CHANGE = 1e-3;

/** The tick phase of one counter. */
export class TickPhase {
  private _periodMs: number;
  private _phaseMs: number;
  private readonly _edges = new Float64Array(EDGES);
  private _count = 0;
  /** Seeded with a measured phase and not contradicted since. */
  private _seeded: boolean;

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
   * edges in a row. An edge that contradicts the model (its period measured off, the clock jumped) withdraws the trust
   * until edges agree again, so a wrong model is never worse than no model.
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
      const k = Math.round((m - this._phaseMs) / p);
      // An edge a quarter period or more off the model: the counter's clock jumped (or the model was wrong). Start over.
      if (Math.abs(m - this._phaseMs - k * p) >= p / 4) {
        this._count = 0;
        this._seeded = false;
      }
    }
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
      if (Math.abs(fitted - p) <= MAX_PERIOD_CHANGE * p) period = fitted;
    }
    this._periodMs = period;
    // The phase: the mean of the edges, each moved to the newest edge's tick by whole periods.
    this._phaseMs = (st - period * sk) / n;
  }
}
