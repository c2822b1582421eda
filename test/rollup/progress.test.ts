import { describe, expect, it } from 'vitest';
import { createProgress } from '../../src/analysis/rollup/progress.js';

function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; written: string[] } {
  const written: string[] = [];
  const stream = { isTTY, write: (chunk: string) => (written.push(chunk), true) } as unknown as NodeJS.WriteStream;
  return { stream, written };
}

describe('progress bar', () => {
  it('draws on a terminal and clears itself when done', () => {
    const { stream, written } = fakeStream(true);
    const bar = createProgress(stream, 1000);
    bar.advance(500);
    bar.done();
    expect(written[0]).toMatch(/^\rrollup \[#{15}-{15}\] {2}50% /);
    expect(written.at(-1)).toBe('\r\u001b[2K');
  });

  it('writes nothing on a pipe', () => {
    const { stream, written } = fakeStream(false);
    const bar = createProgress(stream, 1000);
    bar.advance(500);
    bar.done();
    expect(written).toEqual([]);
  });
});
