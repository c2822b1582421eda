import { fairShare } from '../model/energy-rule.js';
import { readGenAiSpan } from '../model/genai-span.js';
import type { SpanRecord } from '../otlp/span-record.js';

export { amount, text } from '../model/attribute-value.js';

/** OTLP StatusCode of a failed span. */
export const STATUS_ERROR = 2;

/** The per-device-class energy a span may carry, in stacking order (keys of the analysis layer's EnergyTotals). */
export const COMPONENTS = [
  { key: 'gpu', label: 'GPU', field: 'gpuJoules' },
  { key: 'cpu', label: 'CPU', field: 'cpuJoules' },
  { key: 'dram', label: 'DRAM', field: 'dramJoules' },
  { key: 'ane', label: 'ANE', field: 'aneJoules' },
] as const;

/** One of {@link COMPONENTS}' keys, or `other` for joules no device class claims. */
export type ComponentKey = (typeof COMPONENTS)[number]['key'] | 'other';

/** The span's fair share in joules (`energy.attributed.joules`), else its inclusive `energy.joules`; undefined if neither. */
export function spanJoules(span: SpanRecord): number | undefined {
  const energy = readGenAiSpan(span).energy;
  return energy === undefined ? undefined : fairShare(energy).joules;
}

/**
 * The span's fair share split by device class (analysis/energy-rule.ts: components scaled by attributed ÷
 * inclusive); what no class claims is `other`.
 */
export function componentJoules(span: SpanRecord): Map<ComponentKey, number> {
  const out = new Map<ComponentKey, number>();
  const energy = readGenAiSpan(span).energy;
  if (energy === undefined) return out;
  const share = fairShare(energy);
  const total = share.joules;
  if (total === undefined) return out;
  let claimed = 0;
  for (const c of COMPONENTS) {
    const joules = share[c.field];
    if (joules === undefined || joules === 0) continue;
    out.set(c.key, joules);
    claimed += joules;
  }
  // Less than a microjoule unclaimed is rounding, not a device.
  if (total - claimed > 1e-6) out.set('other', total - claimed);
  return out;
}
