/**
 * The devices' energy over time as `openjoules attribute` uses it: for each device, cumulative joules at its sample
 * times, linear in between (power constant between two samples, as the timeline file states it). A stretch the
 * samples do not vouch for — a gap much longer than the device's usual step, or joules going backwards (another
 * sampler run, a driver reset) — counts as uncovered: no energy, and said so, never interpolated across.
 */
import type { EnergyComponent } from '../../runtime/energy/sources/source.js';
import type { TimelineDevice } from './timeline-format.js';

/** A stretch is a gap when it is longer than this many times the device's median step. */
export const GAP_FACTOR = 5;

/** One device's samples, times increasing. */
export interface DeviceSamples {
  readonly device: TimelineDevice;
  readonly timesMs: ArrayLike<number>;
  readonly joules: ArrayLike<number>;
}

/** Energy of the devices over one window. */
export interface WindowJoules {
  /** Joules of every device, summed. */
  readonly joules: number;
  /** The same joules per `energy.<component>.joules` bucket. */
  readonly components: Readonly<Partial<Record<EnergyComponent, number>>>;
  /** Milliseconds of the window the samples cover, averaged over the devices. */
  readonly coveredMs: number;
}

/** One device's prefix sums over its valid stretches. */
class DeviceEnergy {
  readonly device: TimelineDevice;
  private readonly _t: Float64Array;
  /** Joules over valid stretches up to sample k. */
  private readonly _c: Float64Array;
  /** Covered milliseconds up to sample k. */
  private readonly _k: Float64Array;
  /** Whether the stretch from sample k to k + 1 is valid. */
  private readonly _valid: Uint8Array;
  readonly gaps: number;

  constructor(samples: DeviceSamples) {
    this.device = samples.device;
    const n = samples.timesMs.length;
    this._t = Float64Array.from(samples.timesMs);
    this._c = new Float64Array(n);
    this._k = new Float64Array(n);
    this._valid = new Uint8Array(Math.max(0, n - 1));
    const maxStep = GAP_FACTOR * medianStep(this._t);
    let gaps = 0;
    for (let i = 0; i + 1 < n; i++) {
      const dt = this._t[i + 1]! - this._t[i]!;
      const dj = samples.joules[i + 1]! - samples.joules[i]!;
      const valid = dt > 0 && dt <= maxStep && dj >= 0;
      this._valid[i] = valid ? 1 : 0;
      if (!valid) gaps++;
      this._c[i + 1] = this._c[i]! + (valid ? dj : 0);
      this._k[i + 1] = this._k[i]! + (valid ? dt : 0);
    }
    this.gaps = gaps;
  }

  get startMs(): number {
    return this._t.length > 0 ? this._t[0]! : NaN;
  }

  get endMs(): number {
    return this._t.length > 0 ? this._t[this._t.length - 1]! : NaN;
  }

  /** Cumulative joules (valid stretches only) at tMs. */
  joulesAt(tMs: number): number {
    const k = this._indexAtOrBefore(tMs);
    if (k < 0) return 0;
    if (k >= this._t.length - 1 || !this._valid[k]) return this._c[k]!;
    const t0 = this._t[k]!;
    return this._c[k]! + ((this._c[k + 1]! - this._c[k]!) * (tMs - t0)) / (this._t[k + 1]! - t0);
  }

  /** Covered milliseconds up to tMs. */
  coveredAt(tMs: number): number {
    const k = this._indexAtOrBefore(tMs);
    if (k < 0) return 0;
    if (k >= this._t.length - 1 || !this._valid[k]) return this._k[k]!;
    return this._k[k]! + (tMs - this._t[k]!);
  }

  private _indexAtOrBefore(tMs: number): number {
    let lo = 0;
    let hi = this._t.length - 1;
    if (hi < 0 || tMs < this._t[0]!) return -1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this._t[mid]! <= tMs) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

/** The selected devices' energy as a function of time. */
export class ServingTimeline {
  private readonly _devices: readonly DeviceEnergy[];

  constructor(samples: readonly DeviceSamples[]) {
    this._devices = samples.filter((s) => s.timesMs.length > 0).map((s) => new DeviceEnergy(s));
  }

  /** The devices, in input order (devices without samples left out). */
  get devices(): readonly TimelineDevice[] {
    return this._devices.map((d) => d.device);
  }

  /** Stretches left uncovered between samples (gaps, joules going backwards), over all devices. */
  get gaps(): number {
    return this._devices.reduce((sum, d) => sum + d.gaps, 0);
  }

  /** Earliest sample of any device, epoch ms (NaN when there are none). */
  get startMs(): number {
    return this._devices.length === 0 ? NaN : Math.min(...this._devices.map((d) => d.startMs));
  }

  /** Latest sample of any device, epoch ms (NaN when there are none). */
  get endMs(): number {
    return this._devices.length === 0 ? NaN : Math.max(...this._devices.map((d) => d.endMs));
  }

  /** Joules every device drew between `t0Ms` and `t1Ms` (t1 ≥ t0), counting covered stretches only. */
  between(t0Ms: number, t1Ms: number): WindowJoules {
    let joules = 0;
    let covered = 0;
    const components: Partial<Record<EnergyComponent, number>> = {};
    for (const d of this._devices) {
      const j = Math.max(0, d.joulesAt(t1Ms) - d.joulesAt(t0Ms));
      joules += j;
      const component = d.device.component;
      components[component] = (components[component] ?? 0) + j;
      covered += d.coveredAt(t1Ms) - d.coveredAt(t0Ms);
    }
    return { joules, components, coveredMs: this._devices.length > 0 ? covered / this._devices.length : 0 };
  }
}

function medianStep(times: Float64Array): number {
  if (times.length < 2) return Infinity;
  const steps = new Float64Array(times.length - 1);
  for (let i = 0; i + 1 < times.length; i++) steps[i] = times[i + 1]! - times[i]!;
  steps.sort();
  const median = steps[steps.length >> 1]!;
  return median > 0 ? median : Infinity;
}
