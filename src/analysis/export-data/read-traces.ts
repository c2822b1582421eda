import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { withHostShares } from '../model/host-shares.js';
import { listSpanInputs, readSpanRecords } from '../otlp/read-spans.js';
import type { ReadIssue, SpanRecord } from '../otlp/span-record.js';
import { createProgress } from '../rollup/progress.js';

/** Options of {@link readAllSpans}. */
export interface ReadAllSpansOptions {
  readonly strict?: boolean;
  readonly onIssue?: (issue: ReadIssue) => void;
  readonly stdin?: Readable;
  /** Where to draw a progress bar (only when it is a TTY); none when absent. */
  readonly progressStream?: NodeJS.WriteStream;
  readonly progressLabel?: string;
  /** One line per device whose spans across processes could not all be put on one line (host-shares.ts). */
  readonly onNote?: (line: string) => void;
}

/**
 * Reads every span of the inputs into memory (traces need all their spans before they can be mapped), with a
 * progress bar over the input bytes on a terminal; spans of processes that shared a device get their attributed joules
 * across them (analysis/host-shares.ts). Throws what the reader throws (`SpanInputError` in strict mode,
 * a file-system error for an input that cannot be opened).
 */
export async function readAllSpans(inputs: readonly string[], options: ReadAllSpansOptions = {}): Promise<SpanRecord[]> {
  let total = 0;
  if (options.progressStream?.isTTY) {
    for (const source of await listSpanInputs(inputs)) if (source !== '-') total += (await stat(source)).size;
  }
  const progress = options.progressStream ? createProgress(options.progressStream, total, options.progressLabel) : undefined;
  const spans: SpanRecord[] = [];
  try {
    const records = readSpanRecords(inputs, {
      strict: options.strict,
      stdin: options.stdin,
      onProgress: progress ? (n) => progress.advance(n) : undefined,
      onIssue: (issue) => {
        progress?.done();
        options.onIssue?.(issue);
      },
    });
    for await (const span of records) spans.push(span);
  } finally {
    progress?.done();
  }
  // Spans of several processes on one device share its joules (analysis/host-shares.ts).
  return withHostShares(spans, options.onNote);
}
