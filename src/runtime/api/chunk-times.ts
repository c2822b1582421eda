import type { Attributes } from '@opentelemetry/api';
import { ATTR_OPENJOULES_STREAM_CHUNK_COUNT, ATTR_OPENJOULES_STREAM_CHUNK_OFFSETS_MS } from '../../semconv.js';

/**
 * Most chunk arrival times one streamed call keeps. 1024 covers most answers chunk by chunk; a longer stream keeps its
 * first 1024 (its ITL is then that of its first 1024 chunks) and says how many it streamed in all. At most ~8 KiB per
 * open stream, and ~20 bytes per kept chunk in an OTLP/JSON span.
 */
export const MAX_CHUNK_OFFSETS = 1024;

/**
 * The arrival times of a streamed call's chunks, as whole milliseconds from the span's start: the compact form of one
 * span event per chunk. ITL only needs the gaps between arrivals, and a chunk's arrival in a JavaScript event loop is
 * only known to a fraction of a millisecond anyway, so whole milliseconds lose nothing that was measured.
 */
export class ChunkTimes {
  private readonly _offsetsMs: number[] = [];
  private _count = 0;

  /** @param startMs - the span's start, epoch ms on the clock the chunk times are read on. */
  constructor(private readonly _startMs: number) {}

  /** Records one chunk that arrived at `timeMs` (epoch ms). */
  add(timeMs: number): void {
    this._count++;
    if (this._offsetsMs.length < MAX_CHUNK_OFFSETS) this._offsetsMs.push(Math.max(0, Math.round(timeMs - this._startMs)));
  }

  /** Chunks recorded, kept or not. */
  get count(): number {
    return this._count;
  }

  /** `openjoules.stream.chunk_offsets_ms` and `openjoules.stream.chunk_count`; empty when no chunk arrived. */
  attributes(): Attributes {
    if (this._count === 0) return {};
    return { [ATTR_OPENJOULES_STREAM_CHUNK_OFFSETS_MS]: this._offsetsMs, [ATTR_OPENJOULES_STREAM_CHUNK_COUNT]: this._count };
  }
}
