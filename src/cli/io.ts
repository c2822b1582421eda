import type { Readable, Writable } from 'node:stream';

/**
 * The process streams a command uses, passed in so tests run commands in-process. `isTTY` decides between a table
 * or progress bar (a terminal) and plain lines (a pipe).
 */
export interface CommandIo {
  readonly stdout: Writable & { isTTY?: boolean };
  readonly stderr: Writable & { isTTY?: boolean };
  readonly stdin?: Readable;
}
