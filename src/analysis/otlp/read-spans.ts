import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { readByteLines } from './byte-lines.js';
import { decodeTraceDocument } from './decode.js';
import { scanTraceLine, type KeepAttribute } from './scan-spans.js';
import { formatIssue, type ReadIssue, type SpanRecord } from './span-record.js';

/** How {@link readSpanRecords} treats bad input. */
export interface ReadSpansOptions {
  /** Called once per bad line or span, with file:line and a one-line reason. The rest is still read. */
  readonly onIssue?: (issue: ReadIssue) => void;
  /** Stop at the first bad input by throwing {@link SpanInputError}. */
  readonly strict?: boolean;
  /** Where `-` reads from; default process.stdin. */
  readonly stdin?: Readable;
  /**
   * Extra per-span check: a returned reason is reported like any bad span (file:line, or thrown in strict mode) and
   * the span is skipped. Lets a command reject spans its own schema calls bad while keeping the reader's positions.
   */
  readonly validate?: (span: SpanRecord) => string | undefined;
  /** Called as input is consumed, with the characters read since the last call (for a progress bar). */
  readonly onProgress?: (chars: number) => void;
  /**
   * Keep only the span attributes this accepts (resource and event attributes are kept whole). Lets the reader skip
   * the rest without decoding it (otlp/scan-spans.ts), several times faster than JSON.parse of whole lines; the
   * spans, their order and the issues reported are the same. `onProgress` then counts bytes.
   */
  readonly keepAttribute?: KeepAttribute;
}

/** Thrown only in strict mode, carrying the first issue. */
export class SpanInputError extends Error {
  readonly code = 'OJ_BAD_SPAN_INPUT';
  constructor(readonly issue: ReadIssue) {
    super(formatIssue(issue));
  }
}

/** File names a Collector file exporter or openjoules writes: `*.json`, `*.jsonl`, and rotated backups of them. */
const SPAN_FILE = /\.(jsonl?|ndjson)$/i;

/**
 * Expands inputs (files, directories searched recursively for *.json / *.jsonl / *.ndjson, or `-` for stdin) into
 * the list of sources to read, sorted so that results do not depend on directory order.
 */
export async function listSpanInputs(inputs: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const input of inputs) {
    if (input === '-') {
      out.push('-');
      continue;
    }
    const info = await stat(input);
    if (info.isDirectory()) out.push(...(await walk(input)));
    else out.push(input);
  }
  return out;
}

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await walk(path)));
    else if (entry.isFile() && SPAN_FILE.test(entry.name)) files.push(path);
  }
  return files;
}

/**
 * Streams every span in OTLP/JSON lines files (ours or the Collector file exporter's), one line = one
 * `ExportTraceServiceRequest`. Memory stays bounded by the longest line, not the file. Bad lines and spans are
 * reported through `onIssue` with file:line and skipped; valid spans around them are kept.
 */
export async function* readSpanRecords(inputs: readonly string[], options: ReadSpansOptions = {}): AsyncGenerator<SpanRecord> {
  for await (const batch of readSpanBatches(inputs, options)) yield* batch;
}

/**
 * {@link readSpanRecords} one input line at a time: the valid spans of each line as one array (never empty). Same
 * spans, order and issues; for hot loops, since an async generator costs about as much per yield as decoding a span.
 */
export async function* readSpanBatches(inputs: readonly string[], options: ReadSpansOptions = {}): AsyncGenerator<SpanRecord[]> {
  const keep = options.keepAttribute;
  for (const source of await listSpanInputs(inputs)) {
    const stream = source === '-' ? (options.stdin ?? process.stdin) : createReadStream(source, { highWaterMark: 1 << 20 });
    const name = source === '-' ? '<stdin>' : source;
    if (keep === undefined) {
      for await (const { line, text } of readLines(stream, options.onProgress)) {
        const kept = decodeLine(text, name, line, options);
        if (kept.length > 0) yield kept;
      }
      continue;
    }
    for await (const { line, bytes, start, end } of readByteLines(stream, options.onProgress)) {
      const kept = readLineSpans(bytes, start, end, name, line, keep, options);
      if (kept.length > 0) yield kept;
    }
  }
}

/**
 * The valid spans of one line, `bytes[start, end)`, read by the scanner (otlp/scan-spans.ts) keeping the attributes
 * `keep` accepts; each bad line or span reported (or thrown) as `name:line`. What {@link readSpanBatches} yields per
 * line, for a reader of byte ranges (the rollup's worker threads).
 */
export function readLineSpans(bytes: Buffer, start: number, end: number, name: string, line: number, keep: KeepAttribute, options: ReadSpansOptions): SpanRecord[] {
  const spans = scanTraceLine(bytes, start, end, keep);
  // A line outside the scanner's shape is read the reference way, with the same spans and issues.
  return spans === undefined ? decodeLine(bytes.toString('utf8', start, end), name, line, options) : validated(spans, name, line, options);
}

/** One line read the reference way: JSON.parse, then decodeTraceDocument; its valid spans. */
function decodeLine(text: string, name: string, line: number, options: ReadSpansOptions): SpanRecord[] {
  if (text.trim() === '') return [];
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    report({ file: name, line, reason: `malformed JSON (${(error as Error).message})` }, options);
    return [];
  }
  const { spans, problems } = decodeTraceDocument(doc);
  for (const reason of problems) report({ file: name, line, reason }, options);
  return validated(spans, name, line, options);
}

/** `spans` less those the caller's `validate` rejects (each reported). */
function validated(spans: SpanRecord[], name: string, line: number, options: ReadSpansOptions): SpanRecord[] {
  const validate = options.validate;
  if (validate === undefined) return spans;
  const kept: SpanRecord[] = [];
  for (const span of spans) {
    const reason = validate(span);
    if (reason === undefined) kept.push(span);
    else report({ file: name, line, reason }, options);
  }
  return kept;
}

function report(issue: ReadIssue, options: ReadSpansOptions): void {
  if (options.strict) throw new SpanInputError(issue);
  options.onIssue?.(issue);
}

/**
 * Splits a byte stream into lines without readline's per-line overhead. A last line with no newline (a file cut
 * short while being written) is still yielded, and will be reported as malformed JSON if it is truncated.
 */
export async function* readLines(stream: Readable, onProgress?: (chars: number) => void): AsyncGenerator<{ line: number; text: string }> {
  let carry = '';
  let line = 0;
  stream.setEncoding('utf8');
  for await (const chunk of stream as AsyncIterable<string>) {
    onProgress?.(chunk.length);
    let start = 0;
    let text = carry + chunk;
    let newline = text.indexOf('\n', start);
    while (newline !== -1) {
      line++;
      yield { line, text: text.slice(start, newline) };
      start = newline + 1;
      newline = text.indexOf('\n', start);
    }
    carry = text.slice(start);
    text = '';
  }
  if (carry !== '') yield { line: line + 1, text: carry };
}
