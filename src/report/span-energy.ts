import type { AttrValue, SpanRecord } from '../otlp/span-record.js';
import * as sc from '../semconv.js';

/** OTLP StatusCode of a failed span. */
export const STATUS_ERROR = 2;

/** gen_ai.operation.name values that are one model call. */
export const LLM_OPERATIONS: ReadonlySet<string> = new Set(['chat', 'text_completion', 'generate_content']);

/** The per-device-class energy attributes a span may carry, in stacking order. */
export const COMPONENTS = [
  { key: 'gpu', label: 'GPU', attribute: sc.ATTR_ENERGY_GPU_JOULES },
  { key: 'cpu', label: 'CPU', attribute: sc.ATTR_ENERGY_CPU_JOULES },
  { key: 'dram', label: 'DRAM', attribute: sc.ATTR_ENERGY_DRAM_JOULES },
  { key: 'ane', label: 'ANE', attribute: sc.ATTR_ENERGY_ANE_JOULES },
] as const;

/** One of {@link COMPONENTS}' keys, or `other` for joules no device class claims. */
export type ComponentKey = (typeof COMPONENTS)[number]['key'] | 'other';

/** A finite number ≥ 0, or undefined. */
export function amount(value: AttrValue | undefined): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** A string attribute, or undefined. */
export function text(value: AttrValue | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The span's fair share in joules (`energy.attributed.joules`), else its inclusive `energy.joules`; undefined if neither. */
export function spanJoules(span: SpanRecord): number | undefined {
  return amount(span.attributes[sc.ATTR_ENERGY_ATTRIBUTED_JOULES]) ?? amount(span.attributes[sc.ATTR_ENERGY_JOULES]);
}

/**
 * The span's attributed joules split by device class. Device-class joules are recorded inclusive, so they are scaled
 * by the span's attributed/inclusive share (as the rollup does); what no class claims is `other`.
 */
export function componentJoules(span: SpanRecord): Map<ComponentKey, number> {
  const out = new Map<ComponentKey, number>();
  const total = spanJoules(span);
  if (total === undefined) return out;
  const inclusive = amount(span.attributes[sc.ATTR_ENERGY_JOULES]);
  const share = inclusive !== undefined && inclusive > 0 ? Math.min(total / inclusive, 1) : 1;
  let claimed = 0;
  for (const c of COMPONENTS) {
    const joules = amount(span.attributes[c.attribute]);
    if (joules === undefined || joules === 0) continue;
    out.set(c.key, joules * share);
    claimed += joules * share;
  }
  // Less than a microjoule unclaimed is rounding, not a device.
  if (total - claimed > 1e-6) out.set('other', total - claimed);
  return out;
}

/** Spans whose parent is not among them: true roots, and orphans whose parent was not exported. */
export function topSpans(spans: readonly SpanRecord[]): SpanRecord[] {
  const ids = new Set(spans.map((s) => `${s.traceId}/${s.spanId}`));
  return spans.filter((s) => s.parentSpanId === undefined || !ids.has(`${s.traceId}/${s.parentSpanId}`));
}
