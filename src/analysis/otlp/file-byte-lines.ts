import { open, type FileHandle } from 'node:fs/promises';
import type { ByteLine } from './byte-lines.js';

/** Bytes read at a time. */
const CHUNK_BYTES = 1 << 20;

/**
 * The lines of a file's bytes `[start, end)`, as {@link readByteLines} gives them (same line numbers, a last line
 * without a newline still yielded, `onProgress` with the bytes of each read), read into two buffers used in turn
 * (the next read runs while the lines of the one before are handed out), and a line that runs from one read into
 * the next joined in a third: a line's `bytes` hold it only until the next line is asked for, so a caller copies
 * what it keeps. A stream gives every read a new buffer of its own, which the collector frees only later (a buffer
 * that lived through two young-generation collections waits for a full one): tens of MiB of resident memory that
 * come and go with the collector's timing, not with the input. The joining buffer grows to the longest line.
 * `signal` stops the reading (the generator then throws); `chunkBytes`, the size of a read, is for tests.
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
  const buffers: Buffer[] = [Buffer.allocUnsafeSlow(chunkBytes), Buffer.allocUnsafeSlow(chunkBytes)];
  let inFlight: Promise<number> | undefined;
  try {
    /** A line begun in an earlier read: its bytes so far. */
    let join: Buffer = Buffer.allocUnsafeSlow(0);
    let joined = 0;
    let line = 0;
    let turn = 0;
    inFlight = readAt(handle, buffers[0]!, start, end);
    let position = start;
    for (;;) {
      if (signal?.aborted) throw new Error('rollup: reading abandoned');
      const n = await inFlight;
      inFlight = undefined;
      if (n === 0) {
        if (joined > 0) yield { line: line + 1, bytes: join, start: 0, end: joined };
        return;
      }
      position += n;
      onProgress?.(n);
      const buffer = buffers[turn]!;
      turn ^= 1;
      // The next read, into the other buffer, while this one's lines are handed out.
      inFlight = readAt(handle, buffers[turn]!, position, end);
      let lineStart = 0;
      let newline = buffer.indexOf(10);
      if (newline >= n) newline = -1;
      if (joined > 0) {
        const upTo = newline === -1 ? n : newline;
        join = appended(join, joined, buffer, upTo);
        joined += upTo;
        if (newline === -1) continue;
        yield { line: ++line, bytes: join, start: 0, end: joined };
        joined = 0;
        lineStart = newline + 1;
        newline = buffer.indexOf(10, lineStart);
      }
      while (newline !== -1 && newline < n) {
        yield { line: ++line, bytes: buffer, start: lineStart, end: newline };
        lineStart = newline + 1;
        newline = buffer.indexOf(10, lineStart);
      }
      if (lineStart < n) {
        join = appended(join, 0, buffer.subarray(lineStart), n - lineStart);
        joined = n - lineStart;
      }
    }
  } finally {
    // A read still running when the caller stopped: let it end before the file is closed.
    await inFlight?.catch(() => 0);
    await handle.close();
  }
}

/** Reads up to a buffer's length at `position`, not past `end`: the bytes read (0 at the end). */
function readAt(handle: FileHandle, buffer: Buffer, position: number, end: number): Promise<number> {
  const want = Math.min(buffer.length, end - position);
  return want <= 0 ? Promise.resolve(0) : handle.read(buffer, 0, want, position).then((r) => r.bytesRead);
}

/** `join` with `from[0, count)` written at `at` (grown, its first `at` bytes kept, when it is too short). */
function appended(join: Buffer, at: number, from: Buffer, count: number): Buffer {
  let out = join;
  if (at + count > join.length) {
    out = Buffer.allocUnsafeSlow(Math.max(2 * join.length, at + count));
    join.copy(out, 0, 0, at);
  }
  from.copy(out, at, 0, count);
  return out;
}
