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

/** Edges in a row, off the model but agreeing with each other, that make it start over (a jump of the counter's clock). */
const CONTRARY_EDGES = 3;
/**
 * ...and the periods they must span at least: updates that land late for a while (a busy stretch) agree with each
 * other too, but only for a while; a clock that jumped stays where it jumped to.
 */
const CONTRARY_SPAN_PERIODS = 100;
/**
 * Of the last LOST_WINDOW edges, how many off the model (agreeing with each other or not; across CONTRARY_SPAN_PERIODS
 * at least) make it start over from the newest: a period far enough off makes each edge disagree with the one before
 * as well, while now and then one lands near the model by chance, so neither rule above ever fires.
 */
const LOST_WINDOW = 16;
const LOST_OFF = 10;
/**
 * How well the start-up probe knows the period, as a share of it (one standard deviation). It times a few dozen ticks
 * whose updates land with tens of µs of jitter: a RAPL stand-in's probe was 5e-4 off, a 1 ms ROCm one 2e-5.
 */
const PROBE_PERIOD_SHARE = 1e-3;
/** How well the probe knows the phase, as a share of the period. */
const PROBE_PHASE_SHARE = 0.1;
/**
 * The jitter of an edge beyond its window, ms: when the update behind a tick lands (a RAPL stand-in's writer: 25–75 µs
 * after the tick; firmware alike).
 */
const EDGE_JITTER_MS = 0.03;
/**
 * How far the period may wander per tick (a device clock drifting against ours), as a share of it: one standard
 * deviation of 1e-6 over 10^4 ticks. Keeps the filter from growing too sure of an old period.
 */
const PERIOD_WANDER_SHARE_PER_TICK = 1e-8;
/** An edge is set aside when it is further from the model than this many standard deviations of the prediction... */
const GATE_SIGMAS = 4;
/** ...and this share of a period (an update a little late is still an edge), and always from a quarter period on. */
const GATE_FLOOR_SHARE = 1 / 8;
const GATE_CEILING_SHARE = 1 / 4;

/**
 * The tick phase of one counter: a two-state Kalman filter (the time of one tick, the period) over the edges seen.
 * Why a filter and not a least-squares fit over the last few dozen edges: the probe's period can be 5e-4 off (a 1 ms
 * counter whose updates land with jitter, timed over a few dozen ticks); edges come a few a second, so a fit over the
 * last 32 spanned either a few hundred ticks (too short to pin the period: refit after refit it wandered by 1e-3) or
 * thousands (numbered from the newest edge with a period that far off, old edges were given the wrong tick numbers, and
 * the fit was thrown away). The filter numbers each edge from the one before, where the period's error is still a small
 * share of a tick, and weighs it by what it knows: the period's error shrinks with every edge and the span they cover.
 */
export class TickPhase {
  /** The time of the reference tick (the last edge's), epoch ms, and the period, ms. */
  private _phaseMs: number;
  private _periodMs: number;
  /** Covariance of (phase, period), ms². */
  private _pp: number;
  private _pq: number;
  private _qq: number;
  /** Edges taken in since the model (re)started. */
  private _count = 0;
  /** Seeded with a measured phase and not contradicted since. */
  private _seeded: boolean;
  /** Edges in a row off the model (set aside until CONTRARY_EDGES of them agree). */
  private readonly _contrary = new Float64Array(CONTRARY_EDGES);
  private _contraryCount = 0;
  /** The last LOST_WINDOW edges' times and whether each was off the model (a ring). */
  private readonly _recentMs = new Float64Array(LOST_WINDOW);
  private readonly _recentOff = new Uint8Array(LOST_WINDOW);
  private _recentCount = 0;

  /**
   * @param periodMs the counter's period, ms (measured).
   * @param phaseMs the time of one tick (epoch ms) when known; otherwise the first edge sets it.
   */
  constructor(periodMs: number, phaseMs?: number) {
    this._periodMs = periodMs;
    this._phaseMs = phaseMs !== undefined && Number.isFinite(phaseMs) ? phaseMs : NaN;
    this._seeded = !Number.isNaN(this._phaseMs);
    this._pp = (PROBE_PHASE_SHARE * periodMs) ** 2;
    this._pq = 0;
    this._qq = (PROBE_PERIOD_SHARE * periodMs) ** 2;
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

  /** Edges taken in since the model started (or started over): few, and the period is known only as the probe knew it. */
  get edgeCount(): number {
    return this._count;
  }

  /** Records a tick seen in (loMs, hiMs], a window narrower than half a period. */
  observe(loMs: number, hiMs: number): void {
    const p = this._periodMs;
    if (!(hiMs - loMs < p / 2) || !(hiMs >= loMs)) return;
    const m = (loMs + hiMs) / 2;
    const noise = (hiMs - loMs) ** 2 / 12 + EDGE_JITTER_MS ** 2;
    if (Number.isNaN(this._phaseMs)) {
      this._start(m, noise);
      return;
    }
    const taken = this._update(m, noise, true);
    if (this._lost(m, !taken)) {
      this._seeded = false;
      this._contraryCount = 0;
      this._start(m, noise);
      return;
    }
    if (taken) this._contraryCount = 0;
    else this._setAside(m);
  }

  /** Notes an edge, off the model or not; whether most of the recent ones were off (see LOST_OFF). */
  private _lost(m: number, off: boolean): boolean {
    const slot = this._recentCount++ % LOST_WINDOW;
    this._recentMs[slot] = m;
    this._recentOff[slot] = off ? 1 : 0;
    if (!off || this._recentCount < LOST_WINDOW) return false;
    let offs = 0;
    for (let i = 0; i < LOST_WINDOW; i++) offs += this._recentOff[i] ?? 0;
    const oldest = this._recentMs[this._recentCount % LOST_WINDOW] ?? m;
    return offs >= LOST_OFF && m - oldest >= CONTRARY_SPAN_PERIODS * this._periodMs;
  }

  /** (Re)starts the model at an edge, keeping the period and its uncertainty from the probe. */
  private _start(m: number, noise: number): void {
    this._recentCount = 0;
    this._phaseMs = m;
    this._pp = noise;
    this._pq = 0;
    this._qq = (PROBE_PERIOD_SHARE * this._periodMs) ** 2;
    this._count = 1;
  }

  /**
   * Moves the model to the tick nearest m and takes the edge in; false (nothing changed) when `gated` and the edge is
   * further off than the model's uncertainty allows.
   */
  private _update(m: number, noise: number, gated: boolean): boolean {
    const p = this._periodMs;
    const k = Math.round((m - this._phaseMs) / p);
    // Predicted to tick k: phase + k · period, its uncertainty grown by the period's.
    const wander = (PERIOD_WANDER_SHARE_PER_TICK * p) ** 2 * Math.abs(k);
    const pp = this._pp + 2 * k * this._pq + k * k * this._qq;
    const pq = this._pq + k * this._qq;
    const qq = this._qq + wander;
    const predicted = this._phaseMs + k * p;
    const innovation = m - predicted;
    const s = pp + noise;
    if (gated) {
      const gate = Math.min(GATE_CEILING_SHARE * p, Math.max(GATE_FLOOR_SHARE * p, GATE_SIGMAS * Math.sqrt(s)));
      if (Math.abs(innovation) >= gate) return false;
    }
    const gainPhase = pp / s;
    const gainPeriod = pq / s;
    this._phaseMs = predicted + gainPhase * innovation;
    this._periodMs = p + gainPeriod * innovation;
    this._pp = (1 - gainPhase) * pp;
    this._pq = (1 - gainPhase) * pq;
    this._qq = qq - gainPeriod * pq;
    this._count++;
    return true;
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
    this._seeded = false;
    const noise = EDGE_JITTER_MS ** 2;
    this._start(this._contrary[0] ?? m, noise);
    for (let i = 1; i < CONTRARY_EDGES; i++) this._update(this._contrary[i] ?? m, noise, false);
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
}

/** How far t is from the nearest tick of a model with the given phase and period, ms (0 to half a period). */
function offBy(t: number, phaseMs: number, periodMs: number): number {
  return Math.abs(t - phaseMs - Math.round((t - phaseMs) / periodMs) * periodMs);
}
