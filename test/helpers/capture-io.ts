import { PassThrough } from 'node:stream';

/** Streams a command writes to, as a CommandIo's stdout and stderr, with what each received so far. */
export interface CapturedIo {
  readonly stdout: PassThrough;
  readonly stderr: PassThrough;
  out(): string;
  err(): string;
}

/** A fresh pair of captured output streams for one CLI run in-process. */
export function captureIo(): CapturedIo {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  return { stdout, stderr, out: () => out, err: () => err };
}
