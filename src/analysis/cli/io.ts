import type { Readable, Writable } from 'node:stream';

/**
 * What a command may touch of the process, passed in so tests run commands in-process. Every command writes through
 * this and nothing else (a lint rule keeps `process.stdout`/`process.stderr` out of src/cli). `isTTY` decides between
 * a table or progress bar (a terminal) and plain lines (a pipe).
 */
export interface CommandIo {
  readonly stdout: Writable & { isTTY?: boolean };
  readonly stderr: Writable & { isTTY?: boolean };
  /** Where `--input -` reads from. */
  readonly stdin?: Readable;
  /** Environment the command reads its settings from; the process's own when absent. */
  readonly env?: NodeJS.ProcessEnv;
  /** Receives the command's exit status (see `EXIT` in exit-codes.ts); the real process sets `process.exitCode`. */
  readonly setExitCode?: (code: number) => void;
}

/** The real process: its streams, its environment, and `process.exitCode`. The only place src/cli touches them. */
export function processIo(): CommandIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    setExitCode: (code) => {
      process.exitCode = code;
    },
  };
}

/** The environment a command reads: the one it was given, else the process's. */
export function envOf(io: CommandIo): NodeJS.ProcessEnv {
  return io.env ?? process.env;
}

/** Writes one line (adds the newline unless the text ends with one). */
export function say(stream: Writable, text: string): void {
  stream.write(text.endsWith('\n') ? text : `${text}\n`);
}
