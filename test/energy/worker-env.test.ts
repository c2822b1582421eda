// The sampler worker's environment: NODE_OPTIONS without the host's preloads, everything else as it was.
// (That the worker really runs no preload is tested end to end in test/trace-energy/host-preload.test.ts.)
import { describe, expect, it } from 'vitest';
import { samplerWorkerEnv, splitNodeOptions } from '../../src/runtime/energy/sampler/worker-env.js';

describe('samplerWorkerEnv', () => {
  it.each([
    ['--import ./instrumentation.mjs', undefined],
    ['--require ./otel.cjs -r dotenv/config', undefined],
    ['--import=./a.mjs --max-old-space-size=4096 --loader ./l.mjs --enable-source-maps', '--max-old-space-size=4096 --enable-source-maps'],
    ['--experimental-loader=ts-node/esm --no-warnings', '--no-warnings'],
    ['--import "./my dir/instr.mjs" --title "my app"', '--title "my app"'],
    ['  --inspect   --import x  ', '--inspect'],
  ])('NODE_OPTIONS=%j becomes %j', (given, expected) => {
    const env = samplerWorkerEnv({ NODE_OPTIONS: given, PATH: '/bin' });
    expect(env.NODE_OPTIONS).toBe(expected);
    expect('NODE_OPTIONS' in env).toBe(expected !== undefined);
    expect(env.PATH).toBe('/bin');
  });

  it('leaves an environment without NODE_OPTIONS as it was, and never changes the one given', () => {
    const given = { NODE_OPTIONS: '--import x', A: '1' };
    expect(samplerWorkerEnv({ A: '1' })).toEqual({ A: '1' });
    samplerWorkerEnv(given);
    expect(given).toEqual({ NODE_OPTIONS: '--import x', A: '1' });
  });

  it('splits NODE_OPTIONS as Node does: spaces, double quotes, backslash escapes inside quotes', () => {
    expect(splitNodeOptions('--a "b c" "d\\"e" f\\g ""')).toEqual(['--a', 'b c', 'd"e', 'f\\g', '']);
  });
});
