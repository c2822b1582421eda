/**
 * The GPUs' utilization, memory used and temperature over a time window, combined across GPUs the way the seed's
 * monitor combines each poll (OpenJarvis `energy_nvidia.py`): utilization and temperature are the mean over the GPUs,
 * memory is their sum; then the window's mean is time-weighted and its peak is the highest combined value. Read from the
 * timeline's gauge tracks (gauge-track.ts): arithmetic only, no driver call.
 */
import { GAUGE_MEMORY_USED, GAUGE_TEMPERATURE, GAUGE_UTILIZATION, type GaugeField, type GaugeTrack } from './gauge-track.js';
import type { EnergyTimeline } from './timeline.js';

/** The GPUs' gauges over one window. A field is undefined when no GPU reported it in the window. */
export interface GpuGauges {
  /** GPUs that reported any gauge in the window. */
  readonly gpus: number;
  /** Busy fraction 0..1 (NVML utilization.gpu, ROCm busy percent), mean over GPUs, time-weighted mean over the window. */
  readonly utilizationMean?: number;
  /** Highest mean-over-GPUs busy fraction in the window. */
  readonly utilizationPeak?: number;
  /** Memory used, bytes, summed over GPUs, time-weighted mean over the window. */
  readonly memoryUsedMeanBytes?: number;
  /** Highest summed memory used in the window, bytes. */
  readonly memoryUsedPeakBytes?: number;
  /** Temperature, °C, mean over GPUs, time-weighted mean over the window. */
  readonly temperatureMeanCelsius?: number;
  /** Highest mean-over-GPUs temperature in the window, °C. */
  readonly temperaturePeakCelsius?: number;
}

const FIELDS: readonly GaugeField[] = [GAUGE_UTILIZATION, GAUGE_MEMORY_USED, GAUGE_TEMPERATURE];

/** Reads {@link GpuGauges} off a timeline; keeps its scratch arrays, so the span path allocates only the result. */
export class GpuGaugeReader {
  private readonly _timeline: EnergyTimeline;
  /** Indexes of the timeline's GPU devices. */
  private readonly _gpus: readonly number[];
  private readonly _times: number[] = [];
  private readonly _tracks: GaugeTrack[] = [];
  /** Scratch for {@link read}: {@link sums}' layout. */
  private readonly _sums = new Float64Array(9);
  /** Per track of the current read: whether it gave any value. */
  private readonly _contributed: boolean[] = [];

  constructor(timeline: EnergyTimeline) {
    this._timeline = timeline;
    const gpus: number[] = [];
    timeline.devices.forEach((d, i) => {
      if (d.hwType === 'gpu') gpus.push(i);
    });
    this._gpus = gpus;
  }

  /** Whether the timeline has a GPU at all (else {@link read} is always undefined). */
  get hasGpu(): boolean {
    return this._gpus.length > 0;
  }

  /** The GPUs' gauges over [t0, t1] (epoch ms; a point when equal); undefined when no GPU reported one there. */
  read(t0Ms: number, t1Ms: number): GpuGauges | undefined {
    const s = this._sums;
    const gpus = this.sums(t0Ms, t1Ms, s);
    if (gpus === 0) return undefined;
    return {
      gpus,
      utilizationMean: meanOf(s, 0),
      utilizationPeak: peakOf(s, 0),
      memoryUsedMeanBytes: meanOf(s, 3),
      memoryUsedPeakBytes: peakOf(s, 3),
      temperatureMeanCelsius: meanOf(s, 6),
      temperaturePeakCelsius: peakOf(s, 6),
    };
  }

  /**
   * What {@link read} is worked out from, into `out` (9 numbers, {@link GaugeTrack.windowSums}' layout): for
   * utilization, memory and temperature in turn, Σ combined value·ms, the ms it was known, and its peak. Sums of
   * consecutive windows add up to the sums of their union (a long bracket reads its gauges chunk by chunk). Returns the
   * GPUs that reported a gauge in the window; 0 when none did (then `out` says nothing known).
   */
  sums(t0Ms: number, t1Ms: number, out: Float64Array): number {
    out.fill(0);
    out[2] = out[5] = out[8] = -Infinity;
    if (!(t1Ms >= t0Ms)) return 0;
    const gpus = this._gpus;
    if (gpus.length === 1) {
      const track = this._timeline.gauges(gpus[0] ?? 0);
      return track?.hasValues ? this._one(track, t0Ms, t1Ms, out) : 0;
    }
    const tracks = this._tracks;
    const times = this._times;
    tracks.length = 0;
    times.length = 0;
    for (const d of gpus) {
      const track = this._timeline.gauges(d);
      if (track?.hasValues) tracks.push(track);
    }
    if (tracks.length === 0) return 0;
    if (tracks.length === 1) return this._one(tracks[0]!, t0Ms, t1Ms, out);
    times.push(t0Ms);
    for (const track of tracks) track.changesIn(t0Ms, t1Ms, times);
    if (tracks.length > 1) times.sort((a, b) => a - b);
    times.push(t1Ms);
    const contributed = this._contributed;
    contributed.length = tracks.length;
    contributed.fill(false);
    for (let k = 0; k + 1 < times.length; k++) {
      const a = times[k] ?? NaN;
      const b = times[k + 1] ?? NaN;
      // A point window counts its one instant; otherwise each stretch by its length (equal times: a duplicate change).
      const weight = t1Ms > t0Ms ? b - a : 1;
      if (t1Ms > t0Ms && !(weight > 0)) continue;
      for (let f = 0; f < FIELDS.length; f++) this._add(f, tracks, a, weight, out);
    }
    if (!known(out)) return 0;
    let count = 0;
    for (const c of contributed) if (c) count++;
    return count;
  }

  /** One GPU: its own time-weighted sums, in one walk of its change points. */
  private _one(track: GaugeTrack, t0Ms: number, t1Ms: number, out: Float64Array): number {
    track.windowSums(t0Ms, t1Ms, out);
    return known(out) ? 1 : 0;
  }

  /** Adds field `f` combined over the GPUs at time `t`, held for `weight` ms, to `out`. */
  private _add(f: number, tracks: readonly GaugeTrack[], t: number, weight: number, out: Float64Array): void {
    const field = FIELDS[f] ?? GAUGE_UTILIZATION;
    let total = 0;
    let count = 0;
    for (let i = 0; i < tracks.length; i++) {
      const v = tracks[i]?.valueAt(field, t) ?? NaN;
      if (Number.isNaN(v)) continue;
      total += v;
      count++;
      this._contributed[i] = true;
    }
    if (count === 0) return;
    const combined = field === GAUGE_MEMORY_USED ? total : total / count;
    const at = 3 * f;
    out[at] = (out[at] ?? 0) + combined * weight;
    out[at + 1] = (out[at + 1] ?? 0) + weight;
    if (combined > (out[at + 2] ?? -Infinity)) out[at + 2] = combined;
  }
}

/** Whether any gauge was known for some time (or, in a point window, at its instant). */
function known(s: Float64Array): boolean {
  return (s[1] ?? 0) > 0 || (s[4] ?? 0) > 0 || (s[7] ?? 0) > 0;
}

/** Σ value·ms / known ms of the gauge whose sums start at `at` in {@link GaugeTrack.windowSums}' layout. */
function meanOf(s: Float64Array, at: number): number | undefined {
  const known = s[at + 1] ?? 0;
  return known > 0 ? (s[at] ?? 0) / known : undefined;
}

function peakOf(s: Float64Array, at: number): number | undefined {
  return (s[at + 1] ?? 0) > 0 ? s[at + 2] : undefined;
}
