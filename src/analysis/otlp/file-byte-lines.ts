import { open } from 'node:fs/promises';
import type { ByteLine } from './byte-lines.js';

/** Bytes read at a time, and the buffer's first size (it grows to the longest line). */
const CHUNK_BYTES = 1 << 20;

/**
 * The lines of a file's bytes `[start, end)`, as {@link readByteLines} gives them (same line numbers, a last line
 * without a newline still yielded, `onProgress` with the bytes of each read), read into one buffer that is reused
 * from read to read: a line's `bytes` hold it only until the next line is asked for, so a caller copies what it
 * keeps. A stream gives every read a new buffer of its own, which the collector frees only later (a buffer that lived
 * through two young-generation collections waits for a full one): tens of MiB of resident memory that come and go
 * with the collector's timing, not with the input. A line longer than the buffer grows it (memory stays bounded by
 * the longest line). `signal` stops the reading (the generator then throws); `chunkBytes`, the first buffer's size,
 * is for tests.
 */
export async function* readFileByteLines(
  path: string,
  start = 0,
  end = Number.POSITIVE_INFINITY,
  onProgress?: (bytes: number) => void,
  signal?: AbortSignal,
  chunkBytes = CHUNK_BYTES,
): AsyncGenerator<ByteLine> {
  const handle = await open(path, 'r');
  try {
    let buffer: Buffer = Buffer.allocUnsafeSlow(chunkBytes);
    /** Bytes at the buffer's start: the part of a line carried from the read before. */
    let carried = 0;
    let position = start;
    let line = 0;
    for (;;) {
      if (signal?.aborted) throw new Error('rollup: reading abandoned');
      if (carried === buffer.length) buffer = grown(buffer);
      const want = Math.min(buffer.length - carried, end - position);
      const bytesRead = want > 0 ? (await handle.read(buffer, carried, want, position)).bytesRead : 0;
      if (bytesRead > 0) {
        position += bytesRead;
        onProgress?.(bytesRead);
      }
      const filled = carried + bytesRead;
      let lineStart = 0;
      let newline = bytesRead > 0 ? buffer.indexOf(10, carried) : -1;
      while (newline !== -1 && newline < filled) {
        yield { line: ++line, bytes: buffer, start: lineStart, end: newline };
        lineStart = newline + 1;
        newline = buffer.indexOf(10, lineStart);
      }
      if (bytesRead === 0) {
        if (lineStart < filled) yield { line: line + 1, bytes: buffer, start: lineStart, end: filled };
        return;
      }
      buffer.copyWithin(0, lineStart, filled);
      carried = filled - lineStart;
    }
  } finally {
    await handle.close();
  }
}

function grown(buffer: Buffer): Buffer {
  const larger = Buffer.allocUnsafeSlow(buffer.length * 2);
  buffer.copy(larger);
  return larger;
}
