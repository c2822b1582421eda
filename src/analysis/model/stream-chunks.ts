import type { SpanRecord } from '../otlp/span-record.js';

/** A span event that marks one streamed chunk: its name ends in "chunk" (`gen_ai.content.chunk`, `ai.stream.chunk`). */
const CHUNK_EVENT = /chunk$/i;

/** Epoch-ms times of a span's streamed-chunk events, in event order ([] when it has none). */
export function chunkTimesMs(span: SpanRecord): number[] {
  const out: number[] = [];
  for (const e of span.events) if (CHUNK_EVENT.test(e.name)) out.push(e.timeMs);
  return out;
}
