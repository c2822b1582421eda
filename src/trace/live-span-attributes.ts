/**
 * Writing energy attributes straight into a live SDK span's attribute object, within the span's limits.
 *
 * Why not `span.setAttributes`: it validates every key and value and checks the limits key by key, which costs more
 * than all of our energy arithmetic for a span (bench/trace/overhead.ts). Our values are finite numbers and a few short
 * strings, so validation adds nothing; the limits still hold: the direct write is taken only when all our attributes
 * fit under the count limit and no value-length limit could cut one of our strings, and the SDK's own attribute count
 * is kept in step. Anything else (another SDK, a span past its end, tight limits) gets `undefined` and the caller
 * falls back to `setAttributes`.
 */
import type { Attributes } from '@opentelemetry/api';
import type { Span } from '@opentelemetry/sdk-trace';

/** The SDK span's own fields this relies on (sdk-trace 2.x `Span`). */
interface SdkSpanFields {
  _ended?: unknown;
  _attributesCount?: unknown;
  _spanLimits?: { attributeCountLimit?: number; attributeValueLengthLimit?: number };
}

/** Our longest string value (`energy.source` naming several sources, `energy.method`), characters. */
const LONGEST_STRING = 64;

/**
 * The span's own attribute object when `count` new attributes can be written into it directly (see the file comment),
 * else undefined.
 */
export function directAttributes(span: Span, count: number): Attributes | undefined {
  const sdk = span as unknown as SdkSpanFields;
  const current = sdk._attributesCount;
  const limits = sdk._spanLimits;
  if (sdk._ended !== false || typeof current !== 'number' || !limits) return undefined;
  const countLimit = limits.attributeCountLimit;
  if (countLimit !== undefined && current + count > countLimit) return undefined;
  const lengthLimit = limits.attributeValueLengthLimit;
  if (lengthLimit !== undefined && lengthLimit > 0 && lengthLimit < LONGEST_STRING) return undefined;
  return span.attributes;
}

/** Tells the SDK span that `count` attributes were added through {@link directAttributes}. */
export function countDirectAttributes(span: Span, count: number): void {
  const sdk = span as unknown as SdkSpanFields;
  if (typeof sdk._attributesCount === 'number') sdk._attributesCount += count;
}
