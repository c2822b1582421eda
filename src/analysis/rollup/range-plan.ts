import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { RangeTask } from './fold-range.js';

/**
 * Cuts files into byte ranges of about `rangeBytes`, each starting at a line start (just after a newline), in input
 * order; a file smaller than that is one range, an empty one none.
 */
export function planRanges(files: readonly string[], rangeBytes: number, strict: boolean): RangeTask[] {
  const tasks: RangeTask[] = [];
  const probe = Buffer.allocUnsafe(64 * 1024);
  for (const file of files) {
    const fd = openSync(file, 'r');
    try {
      const size = fstatSync(fd).size;
      let start = 0;
      while (start < size) {
        let end = start + rangeBytes >= size ? size : nextLineStart(fd, start + rangeBytes, size, probe);
        if (end <= start) end = size;
        tasks.push({ file, start, end, strict });
        start = end;
      }
    } finally {
      closeSync(fd);
    }
  }
  return tasks;
}

/** The offset just after the first newline at or after `from`, or `size` when there is none. */
function nextLineStart(fd: number, from: number, size: number, probe: Buffer): number {
  for (let at = from; at < size; ) {
    const n = readSync(fd, probe, 0, Math.min(probe.length, size - at), at);
    if (n <= 0) break;
    const newline = probe.subarray(0, n).indexOf(10);
    if (newline !== -1) return at + newline + 1;
    at += n;
  }
  return size;
}

/** Total size of the files, in bytes. */
export function totalBytes(files: readonly string[]): number {
  let total = 0;
  for (const file of files) {
    const fd = openSync(file, 'r');
    try {
      total += fstatSync(fd).size;
    } finally {
      closeSync(fd);
    }
  }
  return total;
}
