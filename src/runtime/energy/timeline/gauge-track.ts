/**
 * One device's slow gauges as step functions of time: utilization (0..1), memory used (bytes) and temperature (°C),
 * rebuilt from its readings, plus how many readings the sampler took. The GPU sources read the gauges every
 * GAUGE_READ_PERIOD_MS and repeat the last values in the readings between, so a value holds from the first reading
 * that shows it until the first that shows another: only those change points are kept. Memory grows with changes, not
 * with readings, and is bounded (oldest change points go first).
 */

/** Which gauge: the field's offset in a ring slot (ring.ts RING_FIELDS). */
export const GAUGE_UTILIZATION = 4;
export const GAUGE_MEMORY_USED = 5;
export const GAUGE_TEMPERATURE = 7;
/** One of {@link GAUGE_UTILIZATION}, {@link GAUGE_MEMORY_USED}, {@link GAUGE_TEMPERATURE}. */
export type GaugeField = typeof GAUGE_UTILIZATION | typeof GAUGE_MEMORY_USED | typeof GAUGE_TEMPERATURE;

/** Change points kept per device by default: at one change per gauge read (250 ms), 17 minutes. */
export const DEFAULT_GAUGE_CAPACITY = 4096;
const INITIAL_CAPACITY = 16;

export class GaugeTrack {
  private readonly _maxCapacity: number;
  private _t = new Float64Array(INITIAL_CAPACITY);
  private _utilization = new Float64Array(INITIAL_CAPACITY);
  private _memory = new Float64Array(INITIAL_CAPACITY);
  private _temperature = new Float64Array(INITIAL_CAPACITY);
  /** Readings taken up to and including the one at each change point. */
  private _count = new Float64Array(INITIAL_CAPACITY);
  private _start = 0;
  private _length = 0;
  private _hint = 0;
  private _readings = 0;
  private _lastReadMs = -Infinity;
  private _hasValues = false;

  /** @param capacity change points kept at most (rounded up to a power of two). */
  constructor(capacity: number = DEFAULT_GAUGE_CAPACITY) {
    let c = INITIAL_CAPACITY;
    while (c < capacity && c < 1 << 24) c <<= 1;
    this._maxCapacity = c;
  }

  /** Adds one reading laid out as in ring.ts; keeps a point only when a gauge changed. */
  ingest(s: Float64Array, o: number): void {
    const t = s[o] ?? NaN;
    if (!(t > this._lastReadMs)) return;
    this._lastReadMs = t;
    this._readings++;
    const u = s[o + GAUGE_UTILIZATION] ?? NaN;
    const m = s[o + GAUGE_MEMORY_USED] ?? NaN;
    const c = s[o + GAUGE_TEMPERATURE] ?? NaN;
    const n = this._length;
    if (n > 0) {
      const last = this._slot(n - 1);
      if (same(this._utilization[last], u) && same(this._memory[last], m) && same(this._temperature[last], c)) return;
    }
    this._push(t, u, m, c);
  }

  /** Readings the sampler took of this device, all told. */
  get readings(): number {
    return this._readings;
  }

  /** Whether any reading carried a gauge (a CPU package or a GPU whose driver lacks them never does). */
  get hasValues(): boolean {
    return this._hasValues;
  }

  /** Time of the newest reading, epoch ms (-Infinity before the first). */
  get lastReadMs(): number {
    return this._lastReadMs;
  }

  /** Value of `field` at `tMs` (held since its change point, and past the newest reading); NaN before the first one. */
  valueAt(field: GaugeField, tMs: number): number {
    const i = this._indexAtOrBefore(tMs);
    return i < 0 ? NaN : (this._values(field)[this._slot(i)] ?? NaN);
  }

  /**
   * Time-weighted sums over [t0, t1] in one walk of the change points, into `out` (9 numbers): for utilization, memory
   * and temperature in turn, Σ value·ms, the ms where the value was known, and the peak (-Infinity when never known).
   * A point window (t0 = t1) counts its one instant with weight 1.
   */
  windowSums(t0Ms: number, t1Ms: number, out: Float64Array): void {
    out.fill(0);
    out[2] = out[5] = out[8] = -Infinity;
    const n = this._length;
    let i = this._indexAtOrBefore(t0Ms);
    let from = t0Ms;
    if (i < 0) {
      if (n === 0) return;
      i = 0;
      from = this._t[this._slot(0)] ?? NaN;
      if (!(from <= t1Ms)) return;
    }
    for (; i < n; i++) {
      const slot = this._slot(i);
      const next = i + 1 < n ? (this._t[this._slot(i + 1)] ?? NaN) : Infinity;
      const to = next < t1Ms ? next : t1Ms;
      const weight = t1Ms > t0Ms ? to - from : 1;
      if (weight > 0) {
        add(out, 0, this._utilization[slot] ?? NaN, weight);
        add(out, 3, this._memory[slot] ?? NaN, weight);
        add(out, 6, this._temperature[slot] ?? NaN, weight);
      }
      if (!(next < t1Ms)) break;
      from = next;
    }
  }

  /** Change-point times strictly inside (t0, t1), oldest first, appended to `out`. */
  changesIn(t0Ms: number, t1Ms: number, out: number[]): void {
    for (let i = this._indexAtOrBefore(t0Ms) + 1; i < this._length; i++) {
      const t = this._t[this._slot(i)] ?? NaN;
      if (t >= t1Ms) break;
      if (t > t0Ms) out.push(t);
    }
  }

  /**
   * Readings taken in [t0, t1], rounded: the reading count is known exactly at change points and at the newest reading,
   * and taken as evenly spread in between (the sampler reads on a fixed period).
   */
  readingsIn(t0Ms: number, t1Ms: number): number {
    if (!(t1Ms >= t0Ms) || this._length === 0) return 0;
    return Math.max(0, Math.round(this._countAt(t1Ms) - this._countAt(t0Ms - 1e-9)));
  }

  /**
   * Readings taken up to `tMs`, all told, interpolated as in {@link readingsIn} and not rounded: differences of it add
   * up exactly over consecutive windows, so a long bracket can count its readings chunk by chunk.
   */
  readingsUpTo(tMs: number): number {
    return this._countAt(tMs);
  }

  /** Cumulative readings at tMs, interpolated between the known points. */
  private _countAt(tMs: number): number {
    const n = this._length;
    const i = this._indexAtOrBefore(tMs);
    if (i < 0) return 0;
    const slot = this._slot(i);
    const t0 = this._t[slot] ?? NaN;
    const c0 = this._count[slot] ?? 0;
    const t1 = i + 1 < n ? (this._t[this._slot(i + 1)] ?? NaN) : this._lastReadMs;
    // Readings after point i and up to the next point (or the newest reading); the next point's own reading excluded.
    const c1 = i + 1 < n ? (this._count[this._slot(i + 1)] ?? 0) - 1 : this._readings;
    if (!(t1 > t0) || tMs >= t1) return Math.max(c0, c1);
    return c0 + ((c1 - c0) * (tMs - t0)) / (t1 - t0);
  }

  private _values(field: GaugeField): Float64Array {
    return field === GAUGE_UTILIZATION ? this._utilization : field === GAUGE_MEMORY_USED ? this._memory : this._temperature;
  }

  private _slot(i: number): number {
    return (this._start + i) & (this._t.length - 1);
  }

  private _push(t: number, u: number, m: number, c: number): void {
    if (this._length === this._t.length && this._t.length < this._maxCapacity) this._grow();
    let slot: number;
    if (this._length < this._t.length) {
      slot = this._slot(this._length);
      this._length++;
    } else {
      slot = this._start;
      this._start = (this._start + 1) & (this._t.length - 1);
    }
    if (!this._hasValues && !(Number.isNaN(u) && Number.isNaN(m) && Number.isNaN(c))) this._hasValues = true;
    this._t[slot] = t;
    this._utilization[slot] = u;
    this._memory[slot] = m;
    this._temperature[slot] = c;
    this._count[slot] = this._readings;
  }

  private _grow(): void {
    const size = this._t.length * 2;
    const copy = (from: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> => {
      const to = new Float64Array(size);
      for (let i = 0; i < this._length; i++) to[i] = from[this._slot(i)] ?? NaN;
      return to;
    };
    this._t = copy(this._t);
    this._utilization = copy(this._utilization);
    this._memory = copy(this._memory);
    this._temperature = copy(this._temperature);
    this._count = copy(this._count);
    this._start = 0;
  }

  /** Index of the last change point at or before tMs, or -1; searches from the last answer (times move forward). */
  private _indexAtOrBefore(tMs: number): number {
    const n = this._length;
    if (n === 0 || (this._t[this._slot(0)] ?? NaN) > tMs) return -1;
    let lo = this._hint < n && (this._t[this._slot(this._hint)] ?? NaN) <= tMs ? this._hint : 0;
    if (lo + 1 < n && (this._t[this._slot(lo + 1)] ?? NaN) > tMs) {
      this._hint = lo;
      return lo;
    }
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this._t[this._slot(mid)] ?? NaN) <= tMs) lo = mid;
      else hi = mid - 1;
    }
    this._hint = lo;
    return lo;
  }
}

function add(out: Float64Array, at: number, value: number, weight: number): void {
  if (Number.isNaN(value)) return;
  out[at] = (out[at] ?? 0) + value * weight;
  out[at + 1] = (out[at + 1] ?? 0) + weight;
  if (value > (out[at + 2] ?? -Infinity)) out[at + 2] = value;
}

function same(a: number | undefined, b: number): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}
