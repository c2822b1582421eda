/**
 * Pass 2 of `openjoules attribute`: the span input written again, line by line, with the attributes set on the spans
 * they belong to, then any extra lines (the serving-energy span). Lines that are not trace documents (a Collector
 * file's metrics and logs) and lines that do not parse (reported by pass 1) are left out.
 */
import { once } from 'node:events';
import { createReadStream, createWriteStream, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { listSpanInputs, readLines } from '../otlp/read-spans.js';
import { annotateTraceDocument, type SpanAnnotation } from './annotate-otlp.js';

/**
 * Writes every valid trace line of `inputs` to `out` with the annotations applied, then `extraLines`; through a temp
 * file renamed into place, so a failed run leaves no half-written output. Returns the keys that were applied.
 */
export async function rewriteTraceLines(inputs: readonly string[], out: string, annotations: ReadonlyMap<string, SpanAnnotation>, extraLines: readonly string[]): Promise<Set<string>> {
  mkdirSync(dirname(out), { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  const stream = createWriteStream(tmp);
  const applied = new Set<string>();
  try {
    for (const file of await listSpanInputs(inputs)) {
      for await (const { text } of readLines(createReadStream(file, { highWaterMark: 1 << 20 }))) {
        if (text.trim() === '') continue;
        let doc: unknown;
        try {
          doc = JSON.parse(text);
        } catch {
          continue; // reported in pass 1
        }
        if (typeof doc !== 'object' || doc === null || !('resourceSpans' in doc)) continue;
        annotateTraceDocument(doc, annotations, applied);
        if (!stream.write(`${JSON.stringify(doc)}\n`)) await once(stream, 'drain');
      }
    }
    for (const line of extraLines) if (!stream.write(`${line}\n`)) await once(stream, 'drain');
    stream.end();
    await once(stream, 'finish');
    renameSync(tmp, out);
  } catch (error) {
    stream.destroy();
    rmSync(tmp, { force: true });
    throw error;
  }
  return applied;
}
