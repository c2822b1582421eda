/**
 * The energy attributes of one finished span, from its swept numbers and the timeline. Arithmetic only.
 */
import type { Attributes } from '@opentelemetry/api';
import type { EnergyComponent, EnergyMethod, EnergySourceName } from '../energy/source.js';
import type { EnergyTimeline } from '../energy/timeline.js';
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
} from '../semconv.js';
import type { TrackedSpan } from './attribution.js';

const COMPONENT_ATTRIBUTE: Record<EnergyComponent, string> = {
  gpu: ATTR_ENERGY_GPU_JOULES,
  cpu: ATTR_ENERGY_CPU_JOULES,
  dram: ATTR_ENERGY_DRAM_JOULES,
  ane: ATTR_ENERGY_ANE_JOULES,
};

const METHOD_RANK: Record<EnergyMethod, number> = { counter: 0, power_integration: 1, estimate: 2 };

/**
 * Energy attributes for a swept span, or undefined when no device measured it (then the span gets none: never a fake 0).
 * `spanAttributes` are the span's own (for time to first chunk and output tokens).
 */
export function energyAttributes(
  span: TrackedSpan,
  timeline: EnergyTimeline,
  spanAttributes: Attributes,
): Attributes | undefined {
  const devices = timeline.devices;
  const start = span.startEnergy;
  const end = span.endEnergy;
  if (!start || !end) return undefined;
  const t0 = span.startMs;
  const t1 = span.endMs;
  // Pins taken late (explicit past start or end times) or on extrapolated data are redone from history when it still
  // reaches back.
  const redo = span.extrapolated || span.startPinnedMs > t0 || span.endPinnedMs > t1;
  let total = 0;
  let any = false;
  let method: EnergyMethod = 'counter';
  const sources: EnergySourceName[] = [];
  const components: Partial<Record<EnergyComponent, number>> = {};
  const perDeviceStart = new Array<number>(devices.length).fill(NaN);
  let peak = 0;
  for (let d = 0; d < devices.length; d++) {
    const info = devices[d];
    if (!info) continue;
    let e0 = start[d] ?? NaN;
    let e1 = end[d] ?? NaN;
    if (redo && timeline.historyStart(d) <= t0) {
      const r0 = timeline.energyAt(d, t0);
      const r1 = timeline.energyAt(d, t1);
      if (!Number.isNaN(r0) && !Number.isNaN(r1)) {
        e0 = r0;
        e1 = r1;
      }
    }
    perDeviceStart[d] = e0;
    if (Number.isNaN(e0) || Number.isNaN(e1)) continue;
    any = true;
    const j = Math.max(0, e1 - e0);
    total += j;
    components[info.component] = (components[info.component] ?? 0) + j;
    if (!sources.includes(info.source)) sources.push(info.source);
    if (METHOD_RANK[info.method] > METHOD_RANK[method]) method = info.method;
    if (t1 > t0) peak += timeline.peakWatts(d, t0, t1) ?? 0;
  }
  if (!any) return undefined;
  const attributes: Attributes = {
    [ATTR_ENERGY_JOULES]: total,
    [ATTR_ENERGY_ATTRIBUTED_JOULES]: Math.min(total, Math.max(0, span.attributed)),
    [ATTR_ENERGY_SOURCE]: sources.join(','),
    [ATTR_ENERGY_METHOD]: span.extrapolated ? 'estimate' : method,
  };
  for (const [component, joules] of Object.entries(components)) {
    attributes[COMPONENT_ATTRIBUTE[component as EnergyComponent]] = joules;
  }
  if (t1 > t0) {
    attributes[ATTR_ENERGY_MEAN_WATTS] = (total / (t1 - t0)) * 1000;
    attributes[ATTR_ENERGY_PEAK_WATTS] = peak;
  }
  addPhases(attributes, total, t0, t1, perDeviceStart, timeline, spanAttributes);
  return attributes;
}

/** Prefill/decode split at the first chunk, and token efficiency, for LLM spans. */
function addPhases(
  attributes: Attributes,
  total: number,
  t0: number,
  t1: number,
  perDeviceStart: readonly number[],
  timeline: EnergyTimeline,
  spanAttributes: Attributes,
): void {
  const ttftSeconds = spanAttributes[ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK];
  if (typeof ttftSeconds === 'number' && ttftSeconds > 0) {
    const split = t0 + ttftSeconds * 1000;
    if (split < t1) {
      let prefill = 0;
      for (let d = 0; d < perDeviceStart.length; d++) {
        const e0 = perDeviceStart[d] ?? NaN;
        const e = timeline.energyAt(d, split);
        if (!Number.isNaN(e0) && !Number.isNaN(e)) prefill += Math.max(0, e - e0);
      }
      prefill = Math.min(prefill, total);
      attributes[ATTR_ENERGY_PREFILL_JOULES] = prefill;
      attributes[ATTR_ENERGY_DECODE_JOULES] = total - prefill;
    }
  }
  const outputTokens = spanAttributes[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS];
  if (typeof outputTokens === 'number' && outputTokens > 0 && total > 0) {
    attributes[ATTR_ENERGY_TOKENS_PER_JOULE] = outputTokens / total;
    attributes[ATTR_ENERGY_JOULES_PER_OUTPUT_TOKEN] = total / outputTokens;
  }
}
