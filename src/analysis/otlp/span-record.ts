/** A scalar or array attribute value after decoding OTLP/JSON (`intValue` becomes a number). */
export type AttrValue = string | number | boolean | ReadonlyArray<string | number | boolean>;

/** One span read back from OTLP/JSON, flattened for analysis: times in epoch ms, attributes as a plain record. */
export interface SpanRecord {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer (0 unspecified). */
  readonly kind: number;
  /** Epoch milliseconds (sub-millisecond precision kept as a fraction). */
  readonly startMs: number;
  readonly endMs: number;
  readonly attributes: Readonly<Record<string, AttrValue>>;
  readonly resource: Readonly<Record<string, AttrValue>>;
  readonly scopeName?: string;
  /** OTLP StatusCode: 0 unset, 1 ok, 2 error. */
  readonly statusCode: number;
  readonly statusMessage?: string;
  readonly events: ReadonlyArray<{ readonly name: string; readonly timeMs: number; readonly attributes: Readonly<Record<string, AttrValue>> }>;
}

/** A bad input found while reading: where it is and why, in one line. */
export interface ReadIssue {
  readonly file: string;
  readonly line: number;
  readonly reason: string;
}

/** `file:line: reason`, the one-line form every command prints. */
export function formatIssue(issue: ReadIssue): string {
  return `${issue.file}:${issue.line}: ${issue.reason}`;
}
