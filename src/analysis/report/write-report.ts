import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { HostShares } from '../model/host-shares.js';
import { readSpanRecords } from '../otlp/read-spans.js';
import type { ReadIssue, SpanRecord } from '../otlp/span-record.js';
import { validateRollupSpan } from '../rollup/span-schema.js';
import { renderReport } from './render-report.js';

/** Options of {@link writeReport}. */
export interface WriteReportOptions {
  /** Keep only this trace's spans. */
  readonly traceId?: string;
  /** Throw `SpanInputError` at the first bad line or span instead of skipping it. */
  readonly strict?: boolean;
  /** Called once per bad line or span (file:line and reason); the rest is still read. */
  readonly onIssue?: (issue: ReadIssue) => void;
  /** Where `-` reads from; default process.stdin. */
  readonly stdin?: Readable;
  /** Characters of input consumed since the last call, for a progress bar. */
  readonly onProgress?: (chars: number) => void;
  /** Footer time (epoch ms), for reproducible output. */
  readonly generatedAtMs?: number;
  /** One line per device whose spans across processes could not all be put on one line (host-shares.ts). */
  readonly onNote?: (line: string) => void;
}

/** What {@link writeReport} wrote. */
export interface WriteReportResult {
  readonly out: string;
  readonly spans: number;
  readonly traces: number;
  /** Bad lines or spans reported and skipped. */
  readonly skipped: number;
}

/** No span to draw: the input had none, or none of the requested trace. */
export class EmptyReportError extends Error {
  readonly code = 'OJ_REPORT_NO_SPANS';
}

/**
 * Reads spans (files, directories or `-`), keeps `traceId`'s if given, and writes {@link renderReport}'s page to
 * `out`, creating its folder. Spans the rollup's schema rejects are reported like bad lines (file:line) and skipped,
 * so every chart and the KPI table see the same spans.
 */
export async function writeReport(inputs: readonly string[], out: string, options: WriteReportOptions = {}): Promise<WriteReportResult> {
  let skipped = 0;
  const spans: SpanRecord[] = [];
  const traceIds = new Set<string>();
  const reader = readSpanRecords(inputs, {
    strict: options.strict,
    stdin: options.stdin,
    onProgress: options.onProgress,
    validate: validateRollupSpan,
    onIssue: (issue) => {
      skipped++;
      options.onIssue?.(issue);
    },
  });
  // Every span read takes part in the shares across processes, also those of traces not drawn.
  const shares = new HostShares();
  for await (const span of reader) {
    traceIds.add(span.traceId);
    shares.add(span);
    if (options.traceId === undefined || span.traceId === options.traceId.toLowerCase()) spans.push(span);
  }
  if (shares.size > 0) {
    shares.resolve();
    for (const d of shares.devices) if (d.note) options.onNote?.(`${d.id}: ${d.note}`);
    for (let i = 0; i < spans.length; i++) spans[i] = shares.apply(spans[i]!);
  }
  if (spans.length === 0) {
    throw new EmptyReportError(
      options.traceId === undefined ? 'no spans in the input' : `no spans of trace ${options.traceId} (the input has ${traceIds.size} other trace${traceIds.size === 1 ? '' : 's'})`,
    );
  }
  const html = renderReport(spans, { traceId: options.traceId, skipped, generatedAtMs: options.generatedAtMs });
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, html);
  return { out, spans: spans.length, traces: new Set(spans.map((s) => s.traceId)).size, skipped };
}
