// The reused-buffer line reader of files against the stream one (byte-lines.ts): the same lines, numbers and
// progress, whole files and byte ranges, with lines longer than its buffer, blank lines and no final newline.
import { createReadStream, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readByteLines } from '../../src/analysis/otlp/byte-lines.js';
import { readFileByteLines } from '../../src/analysis/otlp/file-byte-lines.js';

interface Read {
  lines: Array<[number, string]>;
  progress: number;
}

async function collect(lines: AsyncIterable<{ line: number; bytes: Buffer; start: number; end: number }>, progress: { n: number }): Promise<Read> {
  const out: Array<[number, string]> = [];
  // Each line copied as it comes: the reused buffer holds it only until the next.
  for await (const { line, bytes, start, end } of lines) out.push([line, bytes.toString('latin1', start, end)]);
  return { lines: out, progress: progress.n };
}

async function byStream(path: string, start: number, end: number): Promise<Read> {
  const progress = { n: 0 };
  // A stream cannot be given an empty range (its `end` is inclusive).
  if (end === start) return { lines: [], progress: 0 };
  const stream = createReadStream(path, { start, end: end - 1, highWaterMark: 64 });
  return collect(readByteLines(stream, (n) => (progress.n += n)), progress);
}

async function byFile(path: string, start: number, end: number, chunkBytes: number): Promise<Read> {
  const progress = { n: 0 };
  return collect(readFileByteLines(path, start, end, (n) => (progress.n += n), undefined, chunkBytes), progress);
}

describe('readFileByteLines', () => {
  const dir = mkdtempSync(join(tmpdir(), 'oj-lines-'));
  const texts: Array<[string, string]> = [
    ['short lines, blank ones, a final newline', 'a\nbb\n\nccc\n\n'],
    ['no final newline', 'first\nsecond line\nlast'],
    ['lines longer than the buffer, several times over', `${'x'.repeat(50)}\n${'y'.repeat(7)}\n${'z'.repeat(130)}\nw`],
    ['an empty file', ''],
    ['only newlines', '\n\n\n'],
  ];
  for (const [what, text] of texts) {
    it(`reads ${what} as the stream reader does, whole and in ranges, at any buffer size`, async () => {
      const path = join(dir, `${what.replace(/\W+/g, '-')}.jsonl`);
      writeFileSync(path, text);
      const size = Buffer.byteLength(text);
      const ranges: Array<[number, number]> = [[0, size], [0, Math.floor(size / 2)], [Math.floor(size / 3), size]];
      for (const [start, end] of ranges) {
        const want = await byStream(path, start, end);
        expect(want.progress).toBe(end - start);
        for (const chunk of [1, 2, 5, 16, 1 << 20]) {
          expect({ start, end, chunk, ...(await byFile(path, start, end, chunk)) }).toStrictEqual({ start, end, chunk, ...want });
        }
      }
    });
  }

  it('stops when its signal is aborted', async () => {
    const path = join(dir, 'many.jsonl');
    writeFileSync(path, 'line\n'.repeat(100));
    const controller = new AbortController();
    const seen: number[] = [];
    const reading = (async (): Promise<void> => {
      for await (const { line } of readFileByteLines(path, 0, undefined, undefined, controller.signal, 16)) {
        seen.push(line);
        if (line === 3) controller.abort();
      }
    })();
    await expect(reading).rejects.toThrow(/abandoned/);
    expect(seen.length).toBeLessThan(100);
  });
});
