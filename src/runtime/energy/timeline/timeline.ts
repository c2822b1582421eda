/**
 * The energy timeline: "how many joules did device d draw between t0 and t1?" answered from the sampler's shared
 * rings with plain arithmetic — no driver call, so the span path can ask it freely.
 *
 * Times are epoch ms on the readings' clock (`performance.timeOrigin + performance.now()`, see clock.ts), which is what
 * `hrTimeToMilliseconds(span.startTime)` gives for spans timed by the SDK. See device-track.ts for the interpolation.
 */
import { DeviceTrack } from './device-track.js';
import { GaugeTrack } from './gauge-track.js';
import type { SampleRing } from './ring.js';
import type { DeviceInfo, EnergyComponent, EnergyMethod, EnergySourceName } from '../sources/source.js';

/** Default history kept per device: 16384 points (≈ 164 s of 10 ms power samples, ≈ 27 min of 100 ms ticks). */
export const DEFAULT_HISTORY_CAPACITY = 16384;

/** Options of {@link EnergyTimeline}. */
export interface EnergyTimelineOptions {
  /** Points of history kept per device (anchors and power samples each); default {@link DEFAULT_HISTORY_CAPACITY}. */
  readonly historyCapacity?: number;
  /**
   * Asks the sampler for a reading now, off this thread (the worker sampler wakes its thread; it rate-limits).
   * Called at span and bracket boundaries: see {@link EnergyTimeline.requestReading}.
   */
  readonly requestReading?: () => void;
}

/** Energy of all devices over one window. */
export interface WindowEnergy {
  /** Joules of all devices that have data, summed. */
  readonly joules: number;
  /** Joules per `energy.<component>.joules` bucket. */
  readonly components: Partial<Record<EnergyComponent, number>>;
  /** Sources that measured the window, without duplicates, in device order. */
  readonly sources: readonly EnergySourceName[];
  /** Least exact method involved (`estimate` when part of the window was extrapolated). */
  readonly method: EnergyMethod;
  /** Whether part of the window lies beyond what the devices have reported (so the numbers are an extrapolation). */
  readonly extrapolated: boolean;
}

const METHOD_RANK: Record<EnergyMethod, number> = { counter: 0, power_integration: 1, estimate: 2 };

/** Joules drawn per device over time windows, read from sampler rings. */
export class EnergyTimeline {
  /** The devices, indexed as in every method's `device` argument. */
  readonly devices: readonly DeviceInfo[];
  private readonly _tracks: DeviceTrack[];
  /** Utilization, memory and temperature of each device as step functions (gauge-track.ts). */
  private readonly _gauges: GaugeTrack[];
  private readonly _rings: readonly SampleRing[];
  private readonly _sequences: number[];
  private _lostSamples = 0;
  private _version = 0;
  /** coveredUntilAll(), worked out again only after new samples came in. */
  private _coveredAll = -Infinity;
  private _coveredAllStale = true;
  private readonly _requestReading: (() => void) | undefined;

  constructor(devices: readonly DeviceInfo[], rings: readonly SampleRing[], options: EnergyTimelineOptions = {}) {
    this.devices = devices;
    this._requestReading = options.requestReading;
    this._rings = rings;
    const capacity = options.historyCapacity ?? DEFAULT_HISTORY_CAPACITY;
    this._tracks = devices.map((d) => new DeviceTrack(d, capacity));
    this._gauges = devices.map(() => new GaugeTrack());
    this._sequences = rings.map(() => 0);
  }

  /** Samples lost because the reader fell a whole ring behind the sampler (the event loop was blocked for long). */
  get lostSamples(): number {
    return this._lostSamples;
  }

  /** Goes up whenever new samples come in: answers given at the same version are the same answers. */
  get version(): number {
    return this._version;
  }

  /**
   * Asks the sampler to read the devices now, because something starts or ends now (a span, a bracket). Why: between
   * two scheduled reads nothing says where a power step fell, and a step near a span's edge lands on the wrong side of
   * it; a reading taken at the edge (tens of microseconds later, on the sampler's thread) pins the edge down. No
   * driver call here: the worker sampler only wakes its thread, at most once per `OPENJOULES_EDGE_READ_GAP_MS`; an
   * in-process sampler ignores it. Never throws.
   */
  requestReading(): void {
    this._requestReading?.();
  }

  /** Pulls new samples from the rings. Cheap when there are none (one atomic load per device). */
  sync(): void {
    for (let d = 0; d < this._rings.length; d++) this._syncDevice(d);
  }

  /**
   * Pulls `device`'s new samples: one atomic load when there are none. Queries about one device check only its own
   * ring (not every device's), so a query from the span path stays far cheaper than one driver read.
   */
  private _syncDevice(d: number): void {
    const ring = this._rings[d];
    const since = this._sequences[d] ?? 0;
    if (!ring || ring.sequence() === since) return;
    const track = this._tracks[d];
    const gauges = this._gauges[d];
    if (!track || !gauges) return;
    const { sequence, lost } = ring.readSince(since, (s, o) => {
      track.ingest(s, o);
      gauges.ingest(s, o);
    });
    this._sequences[d] = sequence;
    this._lostSamples += lost;
    this._coveredAllStale = true;
    this._version++;
  }

  /** Cumulative joules of `device` at `tMs` on an arbitrary per-device origin (only differences mean anything). */
  energyAt(device: number, tMs: number): number {
    return this._tracks[device]?.energyAt(tMs) ?? NaN;
  }

  /** Joules device `device` drew between `t0Ms` and `t1Ms` (epoch ms); undefined when the device has no data. */
  joules(device: number, t0Ms: number, t1Ms: number): number | undefined {
    this._syncDevice(device);
    const track = this._tracks[device];
    if (!track || !(t1Ms >= t0Ms)) return undefined;
    const j = track.energyAt(t1Ms) - track.energyAt(t0Ms);
    return Number.isNaN(j) ? undefined : Math.max(0, j);
  }

  /** Latest time (epoch ms) for which `device`'s answers are final; -Infinity before its data starts. */
  coveredUntil(device: number): number {
    this._syncDevice(device);
    return this._tracks[device]?.coveredUntil() ?? -Infinity;
  }

  /** Oldest time still answerable from history for `device`, epoch ms (NaN when empty). */
  historyStart(device: number): number {
    return this._tracks[device]?.historyStart() ?? NaN;
  }

  /** Whether `device` has reported anything usable yet. */
  hasData(device: number): boolean {
    return this._tracks[device]?.hasData() ?? false;
  }

  /** Mean power of `device` over the window, watts. */
  meanWatts(device: number, t0Ms: number, t1Ms: number): number | undefined {
    const j = this.joules(device, t0Ms, t1Ms);
    return j === undefined || !(t1Ms > t0Ms) ? undefined : (j / (t1Ms - t0Ms)) * 1000;
  }

  /** Highest power of `device` over the window, watts (instantaneous samples when the driver has them). */
  peakWatts(device: number, t0Ms: number, t1Ms: number): number | undefined {
    this._syncDevice(device);
    const w = this._tracks[device]?.peakWatts(t0Ms, t1Ms);
    return w === undefined || Number.isNaN(w) ? undefined : w;
  }

  /** `device`'s utilization, memory used and temperature over time, and its reading count (gauge-track.ts). */
  gauges(device: number): GaugeTrack | undefined {
    this._syncDevice(device);
    return this._gauges[device];
  }

  /** Energy of every device with data over the window, per component; undefined when no device has data. */
  window(t0Ms: number, t1Ms: number): WindowEnergy | undefined {
    this.sync();
    let joules = 0;
    let any = false;
    let method: EnergyMethod = 'counter';
    let extrapolated = false;
    const components: Partial<Record<EnergyComponent, number>> = {};
    const sources: EnergySourceName[] = [];
    for (let d = 0; d < this._tracks.length; d++) {
      const track = this._tracks[d];
      if (!track) continue;
      const j = track.energyAt(t1Ms) - track.energyAt(t0Ms);
      if (Number.isNaN(j)) continue;
      any = true;
      const value = Math.max(0, j);
      joules += value;
      const info = track.info;
      components[info.component] = (components[info.component] ?? 0) + value;
      if (!sources.includes(info.source)) sources.push(info.source);
      if (METHOD_RANK[info.method] > METHOD_RANK[method]) method = info.method;
      if (t1Ms > track.coveredUntil() || t0Ms < track.historyStart()) extrapolated = true;
    }
    if (!any) return undefined;
    return { joules, components, sources, method: extrapolated ? 'estimate' : method, extrapolated };
  }

  /** Earliest `coveredUntil` among devices with data (what every device has reported up to); -Infinity if none. */
  coveredUntilAll(): number {
    this.sync();
    if (!this._coveredAllStale) return this._coveredAll;
    let min = Infinity;
    for (const track of this._tracks) if (track.hasData()) min = Math.min(min, track.coveredUntil());
    this._coveredAll = min === Infinity ? -Infinity : min;
    this._coveredAllStale = false;
    return this._coveredAll;
  }
}
