/**
 * An EnergySample built up chunk by chunk. The timeline keeps a bounded history per device (DEFAULT_HISTORY_CAPACITY
 * points: about 80 s of 5 ms samples), so a bracket longer than that cannot be read off it in one window at the end.
 * Instead the bracket is cut at checkpoints while it runs, each chunk read while it is still in the history, and the
 * chunks combined exactly: energies add, peaks take the max, time-weighted means add their Σ value·ms and known ms,
 * reading counts add their differences. One chunk gives what one window gives.
 */
import { GpuGaugeReader } from '../energy/timeline/gpu-gauges.js';
import type { DeviceInfo, EnergyComponent, EnergyMethod, EnergySourceName } from '../energy/sources/source.js';
import type { EnergyTimeline } from '../energy/timeline/timeline.js';
import type { EnergySample } from './energy-sample.js';
import { SEED_VENDOR, seedMethod } from './seed-names.js';

const GB = 2 ** 30;
const METHOD_RANK: Record<EnergyMethod, number> = { counter: 0, power_integration: 1, estimate: 2 };
/** A reading exactly at the bracket's start counts in it (as GaugeTrack.readingsIn counts one at its start). */
const BEFORE_START_MS = 1e-9;

/** Per-device and GPU-gauge totals of a bracket from its start up to its latest checkpoint. Memory: O(devices). */
export class BracketTally {
  readonly startMs: number;
  private readonly _timeline: EnergyTimeline;
  private readonly _gauges: GpuGaugeReader;
  private _checkpointMs: number;
  private _chunks = 0;
  private _extrapolated = false;
  /** Per device: whether any chunk measured it, its joules, its peak watts, readings counted and the count last seen. */
  private readonly _measured: boolean[];
  private readonly _joules: Float64Array;
  private readonly _peakWatts: Float64Array;
  private readonly _readings: Float64Array;
  private readonly _readingsSeen: Float64Array;
  /** GPU gauges in {@link GpuGaugeReader.sums}' layout, summed over chunks; and one chunk's. */
  private readonly _gaugeSums = new Float64Array(9);
  private readonly _chunkSums = new Float64Array(9);

  constructor(timeline: EnergyTimeline, startMs: number) {
    this._timeline = timeline;
    this._gauges = new GpuGaugeReader(timeline);
    this.startMs = startMs;
    this._checkpointMs = startMs;
    const n = timeline.devices.length;
    this._measured = new Array<boolean>(n).fill(false);
    this._joules = new Float64Array(n);
    this._peakWatts = new Float64Array(n).fill(-Infinity);
    this._readings = new Float64Array(n);
    this._readingsSeen = new Float64Array(n).fill(NaN);
    this._gaugeSums[2] = this._gaugeSums[5] = this._gaugeSums[8] = -Infinity;
  }

  /** End of the last chunk added (the start before any), epoch ms. */
  get checkpointMs(): number {
    return this._checkpointMs;
  }

  /** Chunks added so far. */
  get chunks(): number {
    return this._chunks;
  }

  /**
   * Adds the chunk from the last checkpoint to `tMs` (epoch ms) and makes `tMs` the checkpoint. Ignored when `tMs` is
   * before the checkpoint, or equal to it after the first chunk (a zero-length bracket is one point chunk). The work is
   * a few timeline queries per device plus a walk of the GPU gauges' change points inside the chunk.
   */
  addUntil(tMs: number): void {
    const a = this._checkpointMs;
    if (!(tMs >= a) || (tMs === a && this._chunks > 0)) return;
    const timeline = this._timeline;
    timeline.sync();
    for (let d = 0; d < timeline.devices.length; d++) {
      const j = timeline.joules(d, a, tMs);
      if (j === undefined) continue;
      this._measured[d] = true;
      this._joules[d] = (this._joules[d] ?? 0) + j;
      if (tMs > a) {
        const w = timeline.peakWatts(d, a, tMs) ?? 0;
        if (w > (this._peakWatts[d] ?? -Infinity)) this._peakWatts[d] = w;
      }
      if (tMs > timeline.coveredUntil(d) || a < timeline.historyStart(d)) this._extrapolated = true;
      const gauges = timeline.gauges(d);
      if (gauges) {
        const seen = this._readingsSeen[d] ?? NaN;
        const from = Number.isNaN(seen) ? gauges.readingsUpTo(this.startMs - BEFORE_START_MS) : seen;
        const to = gauges.readingsUpTo(tMs);
        this._readings[d] = (this._readings[d] ?? 0) + (to - from);
        this._readingsSeen[d] = to;
      }
    }
    const chunk = this._chunkSums;
    if (this._gauges.sums(a, tMs, chunk) > 0) {
      const total = this._gaugeSums;
      for (let at = 0; at < 9; at += 3) {
        total[at] = (total[at] ?? 0) + (chunk[at] ?? 0);
        total[at + 1] = (total[at + 1] ?? 0) + (chunk[at + 1] ?? 0);
        if ((chunk[at + 2] ?? -Infinity) > (total[at + 2] ?? -Infinity)) total[at + 2] = chunk[at + 2] ?? -Infinity;
      }
    }
    this._checkpointMs = tMs;
    this._chunks++;
  }

  /** The EnergySample of [start, checkpoint]; undefined when no device measured any of it (or no chunk was added). */
  sample(): EnergySample | undefined {
    const seconds = Math.max(0, this._checkpointMs - this.startMs) / 1000;
    const devices = this._timeline.devices;
    const measuring: DeviceInfo[] = [];
    const components: Partial<Record<EnergyComponent, number>> = {};
    const sources: EnergySourceName[] = [];
    let method: EnergyMethod = 'counter';
    let joules = 0;
    let peak = 0;
    let snapshots = 0;
    devices.forEach((info, d) => {
      if (!this._measured[d]) return;
      measuring.push(info);
      const j = this._joules[d] ?? 0;
      joules += j;
      components[info.component] = (components[info.component] ?? 0) + j;
      if (!sources.includes(info.source)) sources.push(info.source);
      if (METHOD_RANK[info.method] > METHOD_RANK[method]) method = info.method;
      const w = this._peakWatts[d] ?? -Infinity;
      if (w > -Infinity) peak += w;
      snapshots = Math.max(snapshots, Math.max(0, Math.round(this._readings[d] ?? 0)));
    });
    if (measuring.length === 0) return undefined;
    const mean = seconds > 0 ? joules / seconds : 0;
    const g = this._gaugeSums;
    const gpu = measuring.find((d) => d.hwType === 'gpu') ?? measuring[0];
    const extrapolated = this._extrapolated;
    return {
      energy_joules: joules,
      mean_power_watts: mean,
      peak_power_watts: Math.max(peak, mean),
      duration_seconds: seconds,
      num_snapshots: snapshots,
      mean_utilization_pct: meanOf(g, 0) * 100,
      peak_utilization_pct: peakOf(g, 0) * 100,
      mean_memory_used_gb: meanOf(g, 3) / GB,
      peak_memory_used_gb: peakOf(g, 3) / GB,
      mean_temperature_c: meanOf(g, 6),
      peak_temperature_c: peakOf(g, 6),
      vendor: sources.map((s) => SEED_VENDOR[s]).join(','),
      device_name: gpu?.name ?? '',
      device_count: measuring.length,
      energy_method: seedMethod(extrapolated ? 'estimate' : method, sources),
      cpu_energy_joules: components.cpu ?? 0,
      gpu_energy_joules: components.gpu ?? 0,
      dram_energy_joules: components.dram ?? 0,
      ane_energy_joules: components.ane ?? 0,
      measured: true,
      extrapolated,
      sources,
    };
  }
}

/** Time-weighted mean of the gauge at `at` ({@link GpuGaugeReader.sums}' layout); 0 when never known, as the seed. */
function meanOf(s: Float64Array, at: number): number {
  const known = s[at + 1] ?? 0;
  return known > 0 ? (s[at] ?? 0) / known : 0;
}

function peakOf(s: Float64Array, at: number): number {
  return (s[at + 1] ?? 0) > 0 ? (s[at + 2] ?? 0) : 0;
}
