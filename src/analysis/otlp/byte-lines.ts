import type { Readable } from 'node:stream';

/** One line of input as bytes: `bytes[start, end)`, newline excluded. `bytes` may hold other lines around it. */
export interface ByteLine {
  readonly line: number;
  readonly bytes: Buffer;
  readonly start: number;
  readonly end: number;
}

/**
 * Splits a byte stream into lines without decoding it: a line inside one chunk is a range of that chunk (no copy),
 * one that spans chunks is joined once. A last line with no newline (a file cut short while being written) is
 * still yielded. `onProgress` gets the bytes of each chunk.
 */
export async function* readByteLines(stream: Readable, onProgress?: (bytes: number) => void): AsyncGenerator<ByteLine> {
  let parts: Buffer[] = [];
  let line = 0;
  for await (const raw of stream as AsyncIterable<Buffer | string>) {
    const chunk = typeof raw === 'string' ? Buffer.from(raw) : raw;
    onProgress?.(chunk.length);
    let start = 0;
    let newline = chunk.indexOf(10);
    if (newline !== -1 && parts.length > 0) {
      parts.push(chunk.subarray(0, newline));
      const joined = Buffer.concat(parts);
      parts = [];
      yield { line: ++line, bytes: joined, start: 0, end: joined.length };
      start = newline + 1;
      newline = chunk.indexOf(10, start);
    }
    while (newline !== -1) {
      yield { line: ++line, bytes: chunk, start, end: newline };
      start = newline + 1;
      newline = chunk.indexOf(10, start);
    }
    if (start < chunk.length) parts.push(chunk.subarray(start));
  }
  if (parts.length > 0) {
    const joined = Buffer.concat(parts);
    yield { line: line + 1, bytes: joined, start: 0, end: joined.length };
  }
}
