import type { SpanRecord } from '../otlp/span-record.js';

/**
 * What a worker thread hands back for one byte range of one input file (rollup/range-aggregator.ts): what it
 * counted per span, its sessions, and per trace what the main thread needs to replay the traces' sums in input order
 * and to join the traces cut by the range's edges (parallel-rollup.ts). Typed arrays travel without a copy.
 */
export interface RangeResult extends RangeSpans, RangeTraces {
  /** Lines in the range (the next range's first line number follows them). */
  readonly lines: number;
  /** Bad lines and spans, with line numbers counted from the range's first line (1). */
  readonly issues: ReadonlyArray<{ readonly line: number; readonly reason: string }>;
  /** A span carried device readings (`energy.device.ids`): the rollup then takes the two passes on one thread. */
  readonly readings: boolean;
}

/** A worker's sessions (session-table.ts), in order of first sight in its range. */
export interface SessionsOfRange {
  readonly count: number;
  /** Per session: the 64-bit hash of its conversation id (unused for the sessions keyed by a trace). */
  readonly keyHi: Int32Array;
  readonly keyLo: Int32Array;
  /** The sessions keyed by a trace (its spans carried no conversation id): [session, trace id]. */
  readonly traceSessions: ReadonlyArray<readonly [number, string]>;
  /** Conversation ids of the sessions without a user id: [session, id]. */
  readonly ids: ReadonlyArray<readonly [number, string]>;
  readonly firstStartMs: Float64Array;
  readonly firstToolStartMs: Float64Array;
  readonly firstToolEndMs: Float64Array;
  /** The session's user + 1 (an index into userHi / userLo), 0 for none. */
  readonly user: Int32Array;
  /** Per user: the 64-bit hash of its id. */
  readonly userHi: Int32Array;
  readonly userLo: Int32Array;
  /** The first conversation of each trace: (trace id's last 64 bits hi, lo, session) triples; other ids apart. */
  readonly traceConversations: Int32Array;
  readonly otherTraceConversations: ReadonlyArray<readonly [string, number]>;
}

/** What a worker counted per span. */
export interface RangeSpans {
  readonly sessions: SessionsOfRange;
  /** (bucket, session, SESSION_* flags) triples: the sessions active in each bucket. */
  readonly bucketSessions: Int32Array;
  /** (bucket, user) pairs: the users seen in each bucket. */
  readonly bucketUsers: Int32Array;
  /** Spans per bucket. */
  readonly bucketSpans: Float64Array;
  /** The events of the spans that had any, with their bucket, in input order. */
  readonly events: ReadonlyArray<readonly [number, SpanRecord['events']]>;
}

/** A worker's traces. Spans are numbered from 0 in the range, in input order. */
export interface RangeTraces {
  /** Per span: its trace id as 64 bits (the last 64 of a hex id, else a hash), and 1 for a root (no parent). */
  readonly traceHi: Int32Array;
  readonly traceLo: Int32Array;
  readonly root: Uint8Array;
  /** Per input line that gave spans: its bytes in the file [start, end), its line number, the end of its spans. */
  readonly lineStart: Float64Array;
  readonly lineEnd: Float64Array;
  readonly lineNumber: Int32Array;
  readonly lineSpanEnd: Int32Array;
  /**
   * Per trace completed in the range, in the order it was: its first span, its place in input order (2 × the span
   * that completed it, or 2 × its line's last span + 1 when completed at the end of that line), and the end of its
   * additions in the log.
   */
  readonly forestFirst: Int32Array;
  readonly forestPlace: Float64Array;
  readonly forestLogEnd: Int32Array;
  /** The traces' additions (trace-sums.ts) in order: cell and value. */
  readonly logCell: Int32Array;
  readonly logValue: Float64Array;
  /** The first span of each trace still waiting for its root at the range's end, in the order they were opened. */
  readonly openFirsts: Int32Array;
}
