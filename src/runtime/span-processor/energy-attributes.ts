/**
 * The energy attributes of one finished span, from its swept numbers and the timeline. Arithmetic only, written
 * straight into the attribute object the span will carry: what depends only on the devices (component attribute names,
 * method ranks, the `energy.source` string) is worked out once, and per span nothing is allocated but that object.
 */
import type { Attributes } from '@opentelemetry/api';
import type { EnergyComponent, EnergyMethod } from '../energy/sources/source.js';
import type { EnergyTimeline } from '../energy/timeline/timeline.js';
import {
  ATTR_ENERGY_ANE_JOULES,
  ATTR_ENERGY_ATTRIBUTED_JOULES,
  ATTR_ENERGY_CPU_JOULES,
  ATTR_ENERGY_DECODE_JOULES,
  ATTR_ENERGY_DRAM_JOULES,
  ATTR_ENERGY_GPU_JOULES,
  ATTR_ENERGY_JOULES,
  ATTR_ENERGY_JOULES_PER_OUTPUT_TOKEN,
  ATTR_ENERGY_MEAN_WATTS,
  ATTR_ENERGY_METHOD,
  ATTR_ENERGY_PEAK_WATTS,
  ATTR_ENERGY_PREFILL_JOULES,
  ATTR_ENERGY_SOURCE,
  ATTR_ENERGY_TOKENS_PER_JOULE,
  ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
} from '../../semconv.js';
import type { AttributionSweep } from './attribution.js';
import { GpuGaugeAttributes, MAX_GPU_GAUGE_ATTRIBUTES } from './gpu-gauge-attributes.js';
import { DeviceReadingWriter, MAX_DEVICE_READING_ATTRIBUTES } from './device-readings.js';

const COMPONENTS: readonly EnergyComponent[] = ['gpu', 'cpu', 'dram', 'ane'];
const METHODS: readonly EnergyMethod[] = ['counter', 'power_integration', 'estimate'];

/** Most attributes {@link EnergyAttributeWriter.write} adds to one span (4 core, 4 components, 2 power, 4 phase, GPU gauges, 3 readings). */
export const MAX_ENERGY_ATTRIBUTES = 14 + MAX_GPU_GAUGE_ATTRIBUTES + MAX_DEVICE_READING_ATTRIBUTES;

/** Writes a swept span's energy attributes. One per span processor. */
export class EnergyAttributeWriter {
  private readonly _timeline: EnergyTimeline;
  private readonly _sweep: AttributionSweep;
  private readonly _count: number;
  /** Per device: index into COMPONENTS, into METHODS, and the index of its source among the distinct sources. */
  private readonly _component: Uint8Array;
  private readonly _method: Uint8Array;
  private readonly _sourceIndex: Uint8Array;
  private readonly _sourceNames: readonly string[];
  /** `energy.source` by bit set of the distinct sources that measured a span. */
  private readonly _sourcesByMask = new Map<number, string>();
  private _lastMask = -1;
  private _lastSources = '';
  private readonly _perDeviceStart: Float64Array;
  private readonly _perDeviceEnd: Float64Array;
  private readonly _readings: DeviceReadingWriter;
  private readonly _componentJoules = new Float64Array(COMPONENTS.length);
  private readonly _componentOrder = new Int8Array(COMPONENTS.length);
  private readonly _gpuGauges: GpuGaugeAttributes;

  constructor(timeline: EnergyTimeline, sweep: AttributionSweep) {
    this._timeline = timeline;
    this._sweep = sweep;
    const devices = timeline.devices;
    this._count = devices.length;
    this._component = Uint8Array.from(devices, (d) => Math.max(0, COMPONENTS.indexOf(d.component)));
    this._method = Uint8Array.from(devices, (d) => Math.max(0, METHODS.indexOf(d.method)));
    const names: string[] = [];
    for (const d of devices) if (!names.includes(d.source)) names.push(d.source);
    this._sourceNames = names;
    this._sourceIndex = Uint8Array.from(devices, (d) => names.indexOf(d.source));
    this._perDeviceStart = new Float64Array(this._count);
    this._gpuGauges = new GpuGaugeAttributes(timeline);
    this._perDeviceEnd = new Float64Array(this._count);
    this._readings = new DeviceReadingWriter(devices);
  }

  /**
   * Adds the energy attributes of swept span `slot` to `out` and returns how many it wrote (at most
   * {@link MAX_ENERGY_ATTRIBUTES}), or 0 (writing nothing) when no device measured it: then the span gets none, never a
   * fake 0. `spanAttributes` are the span's own (for time to first chunk and output tokens); they may be `out` itself.
   */
  write(out: Attributes, slot: number, spanAttributes: Attributes): number {
    const sweep = this._sweep;
    const timeline = this._timeline;
    const n = this._count;
    const base = slot * n;
    const t0 = sweep.startMs[slot] ?? NaN;
    const t1 = sweep.endMs[slot] ?? NaN;
    const extrapolated = sweep.isExtrapolated(slot);
    // Pins taken late (explicit past start or end times), or on extrapolated data that newer samples have since
    // replaced, are redone from history when it still reaches back.
    const version = timeline.version;
    const redo =
      (extrapolated && (sweep.startVersion[slot] !== version || sweep.endVersion[slot] !== version)) ||
      (sweep.startPinnedMs[slot] ?? NaN) > t0 ||
      (sweep.endPinnedMs[slot] ?? NaN) > t1;
    const perDeviceStart = this._perDeviceStart;
    const componentJoules = this._componentJoules;
    const order = this._componentOrder;
    componentJoules.fill(0);
    let components = 0;
    let total = 0;
    let any = false;
    let method = 0;
    let sources = 0;
    let peak = 0;
    for (let d = 0; d < n; d++) {
      let e0 = sweep.startEnergy[base + d] ?? NaN;
      let e1 = sweep.endEnergy[base + d] ?? NaN;
      if (redo && timeline.historyStart(d) <= t0) {
        const r0 = timeline.energyAt(d, t0);
        const r1 = timeline.energyAt(d, t1);
        if (!Number.isNaN(r0) && !Number.isNaN(r1)) {
          e0 = r0;
          e1 = r1;
        }
      }
      perDeviceStart[d] = e0;
      this._perDeviceEnd[d] = e1;
      if (Number.isNaN(e0) || Number.isNaN(e1)) continue;
      any = true;
      const j = e1 > e0 ? e1 - e0 : 0;
      total += j;
      const c = this._component[d] ?? 0;
      if (componentJoules[c] === 0 && !seen(order, components, c)) order[components++] = c;
      componentJoules[c] = (componentJoules[c] ?? 0) + j;
      sources |= 1 << (this._sourceIndex[d] ?? 0);
      const m = this._method[d] ?? 0;
      if (m > method) method = m;
      if (t1 > t0) peak += timeline.peakWatts(d, t0, t1) ?? 0;
    }
    if (!any) return 0;
    const attributed = sweep.attributed[slot] ?? 0;
    out[ATTR_ENERGY_JOULES] = total;
    out[ATTR_ENERGY_ATTRIBUTED_JOULES] = Math.min(total, Math.max(0, attributed));
    out[ATTR_ENERGY_SOURCE] = this._sources(sources);
    out[ATTR_ENERGY_METHOD] = extrapolated ? 'estimate' : (METHODS[method] ?? 'estimate');
    for (let k = 0; k < components; k++) {
      const c = order[k] ?? 0;
      writeComponent(out, c, componentJoules[c] ?? 0);
    }
    let written = 4 + components;
    if (t1 > t0) {
      const mean = (total / (t1 - t0)) * 1000;
      out[ATTR_ENERGY_MEAN_WATTS] = mean;
      // Power samples can miss the peak (a sparse or averaging sensor), but some instant drew at least the mean.
      out[ATTR_ENERGY_PEAK_WATTS] = Math.max(peak, mean);
      written += 2;
    }
    written += this._gpuGauges.write(out, t0, t1);
    written += this._readings.write(out, perDeviceStart, this._perDeviceEnd);
    return written + this._phases(out, total, t0, t1, spanAttributes);
  }

  /** Prefill/decode split at the first chunk, and token efficiency, for LLM spans; returns how many it wrote. */
  private _phases(out: Attributes, total: number, t0: number, t1: number, spanAttributes: Attributes): number {
    let written = 0;
    const ttftSeconds = spanAttributes[ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK];
    if (typeof ttftSeconds === 'number' && ttftSeconds > 0) {
      const split = t0 + ttftSeconds * 1000;
      if (split < t1) {
        let prefill = 0;
        for (let d = 0; d < this._count; d++) {
          const e0 = this._perDeviceStart[d] ?? NaN;
          const e = this._timeline.energyAt(d, split);
          if (!Number.isNaN(e0) && !Number.isNaN(e)) prefill += Math.max(0, e - e0);
        }
        prefill = Math.min(prefill, total);
        out[ATTR_ENERGY_PREFILL_JOULES] = prefill;
        out[ATTR_ENERGY_DECODE_JOULES] = total - prefill;
        written += 2;
      }
    }
    const outputTokens = spanAttributes[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS];
    if (typeof outputTokens === 'number' && outputTokens > 0 && total > 0) {
      out[ATTR_ENERGY_TOKENS_PER_JOULE] = outputTokens / total;
      out[ATTR_ENERGY_JOULES_PER_OUTPUT_TOKEN] = total / outputTokens;
      written += 2;
    }
    return written;
  }

  /** The distinct sources in `mask`, in device order, comma-separated. */
  private _sources(mask: number): string {
    if (mask === this._lastMask) return this._lastSources;
    let s = this._sourcesByMask.get(mask);
    if (s === undefined) {
      s = this._sourceNames.filter((_, i) => mask & (1 << i)).join(',');
      this._sourcesByMask.set(mask, s);
    }
    this._lastMask = mask;
    this._lastSources = s;
    return s;
  }
}

/**
 * One store per attribute name: a store whose key varies from span to span goes through V8's slow generic path, and
 * this runs for every span.
 */
function writeComponent(out: Attributes, component: number, joules: number): void {
  switch (component) {
    case 0:
      out[ATTR_ENERGY_GPU_JOULES] = joules;
      break;
    case 1:
      out[ATTR_ENERGY_CPU_JOULES] = joules;
      break;
    case 2:
      out[ATTR_ENERGY_DRAM_JOULES] = joules;
      break;
    default:
      out[ATTR_ENERGY_ANE_JOULES] = joules;
  }
}

function seen(order: Int8Array, count: number, c: number): boolean {
  for (let k = 0; k < count; k++) if (order[k] === c) return true;
  return false;
}
