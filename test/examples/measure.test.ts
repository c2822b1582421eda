// examples/measure.ts runs as a user would run it (a simulated GPU: no energy source here), and its numbers hang together.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

it('examples/measure.ts: a bracket, its prefill/decode split, a batch, FLOPs and MFU', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'examples/measure.ts'], {
    cwd: root,
    env: { ...process.env, OPENJOULES_ENERGY_SOURCES: 'none' },
    timeout: 60_000,
  });
  const match = (re: RegExp): RegExpExecArray => {
    const m = re.exec(stdout);
    if (!m) throw new Error(`no match for ${re} in:\n${stdout}`);
    return m;
  };
  const [, joules, seconds, mean, peak, busy, gb, , snapshots] = match(
    /bracket: ([\d.]+) J in ([\d.]+) s, mean (\d+) W, peak (\d+) W, GPU (\d+) % busy, ([\d.]+) GB, ([\d.]+) °C, (\d+) snapshots \(simulated, hw_counter\)/,
  ).map(Number);
  // The simulated GPU draws 100–400 W, 10–90 % busy, 40 GB used.
  expect(Math.abs(Number(joules) / Number(seconds) / Number(mean) - 1)).toBeLessThan(0.05); // seconds printed to 10 ms
  expect(Number(mean)).toBeGreaterThanOrEqual(100);
  // At least the mean, which in the sampler's first few hundred ms is known to ~10% (ticks not yet located exactly).
  expect(Number(peak)).toBeLessThanOrEqual(440);
  expect(Number(busy)).toBeGreaterThanOrEqual(10);
  expect(Number(busy)).toBeLessThanOrEqual(90);
  expect(gb).toBe(40);
  expect(Number(snapshots)).toBeGreaterThan(5);
  const [, prefill] = match(/prefill: ([\d.]+) J over ([\d.]+) s; decode: ([\d.]+) J\/token/).map(Number);
  expect(Number(prefill)).toBeGreaterThan(0);
  expect(Number(prefill)).toBeLessThan(Number(joules));
  const [, requests, tokens, batchJoules, perToken, perRequest] = match(
    /batch [0-9a-f-]{36}: (\d+) requests, (\d+) tokens, ([\d.]+) J, ([\d.]+) J\/token, ([\d.]+) J\/request/,
  ).map(Number);
  expect([requests, tokens]).toEqual([3, 2100]);
  expect(Number(perToken)).toBeCloseTo(Number(batchJoules) / 2100, 3);
  expect(Number(perRequest)).toBeCloseTo(Number(batchJoules) / 3, 1);
  // 2 · 8e9 · 700 tokens; MFU of that over the call on an H100 (989 TFLOPS BF16).
  expect(stdout).toContain('flops: 1.12e+13');
  const [, mfu] = match(/MFU ([\d.]+) % on NVIDIA H100 80GB HBM3/).map(Number);
  expect(Math.abs(Number(mfu) / ((1.12e13 / Number(seconds) / 989e12) * 100) - 1)).toBeLessThan(0.05);
});
