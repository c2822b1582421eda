import { readFileByteLines } from '../otlp/file-byte-lines.js';
import { SpanInputError } from '../otlp/read-spans.js';
import { RangeAggregator } from './range-aggregator.js';
import type { RangeResult } from './range-result.js';
import { REGENERATED, RollupLineReader } from './rollup-line-reader.js';
import type { RollupWindow } from './windows.js';

/** One byte range of one input file, cut at line starts: bytes [start, end). */
export interface RangeTask {
  readonly file: string;
  readonly start: number;
  readonly end: number;
  /** Stop at the first bad input (it is the range's last issue). */
  readonly strict: boolean;
}

/**
 * Reads one byte range of a file and folds its spans (range-aggregator.ts), as `rollup`'s one-thread pass reads
 * lines (the same scanner, checks and issues, with line numbers counted from the range's first line). `signal`
 * abandons the range (the promise then rejects), for a fold on the main thread whose result is no longer wanted.
 */
export async function foldRange(task: RangeTask, window: RollupWindow, onProgress: (bytes: number) => void, signal?: AbortSignal): Promise<RangeResult> {
  const aggregator = new RangeAggregator(window);
  const issues: Array<{ line: number; reason: string }> = [];
  const reader = new RollupLineReader();
  const options = { strict: task.strict, onIssue: (issue: { line: number; reason: string }) => issues.push({ line: issue.line, reason: issue.reason }) };
  let lines = 0;
  let offset = task.start;
  try {
    for await (const { line, bytes, start, end } of readFileByteLines(task.file, task.start, task.end, onProgress, signal)) {
      lines = line;
      const lineStart = offset;
      offset += end - start + 1;
      reader.read(bytes, start, end, task.file, line, options);
      const { views, flags } = reader;
      if (views.length === 0) continue;
      for (let i = 0; i < views.length; i++) aggregator.addView(views[i]!, flags[i] === REGENERATED);
      aggregator.endLine(lineStart, lineStart + (end - start), line);
    }
  } catch (error) {
    if (!(error instanceof SpanInputError)) throw error;
    issues.push({ line: error.issue.line, reason: error.issue.reason });
  }
  return { ...aggregator.result(), lines, issues, readings: reader.readings };
}

/** The typed arrays of a result, handed over to the main thread without a copy. */
export function transferables(result: RangeResult): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const value of [...Object.values(result), ...Object.values(result.sessions)]) {
    if (ArrayBuffer.isView(value) && value.buffer instanceof ArrayBuffer && !out.includes(value.buffer)) out.push(value.buffer);
  }
  return out;
}
