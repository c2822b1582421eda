import type { SpanRecord } from '../otlp/span-record.js';
import { ATTR_OPENJOULES_STREAM_CHUNK_OFFSETS_MS } from '../../semconv.js';

/** A span event that marks one streamed chunk: its name ends in "chunk" (`gen_ai.content.chunk`, `ai.stream.chunk`). */
const CHUNK_EVENT = /chunk$/i;

/**
 * Epoch-ms arrival times of a span's streamed chunks ([] when it has none): from `openjoules.stream.chunk_offsets_ms`
 * (ms from the span's start, what openjoules' own instrumentation writes) when the span has it, else from its chunk
 * events (what some peers write), in event order.
 */
export function chunkTimesMs(span: SpanRecord): number[] {
  const offsets = span.attributes[ATTR_OPENJOULES_STREAM_CHUNK_OFFSETS_MS];
  if (Array.isArray(offsets) && offsets.length > 0) {
    const out: number[] = [];
    for (const v of offsets) if (typeof v === 'number' && Number.isFinite(v) && v >= 0) out.push(span.startMs + v);
    if (out.length > 0) return out;
  }
  const out: number[] = [];
  for (const e of span.events) if (CHUNK_EVENT.test(e.name)) out.push(e.timeMs);
  return out;
}
