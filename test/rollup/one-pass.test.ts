// rollup reads files once and takes the first pass for shares across processes (analysis/host-shares.ts) only when a
// span with device readings turns up: then it starts over, and the issues and progress of the pass it left are not
// reported twice.
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rollupSpans } from '../../src/analysis/rollup/rollup.js';
import { hourWindow } from '../../src/analysis/rollup/windows.js';
import { SpanFactory, tempDir } from './fixtures.js';

const HOUR = hourWindow('2026-04-24T10');

/** One process's turn on the GPU `gpu-0` from 10:00:00 to 10:00:10, claiming all 3000 J of it (its in-process share). */
function processOnGpu(): SpanFactory {
  const f = new SpanFactory();
  f.span({
    op: 'invoke_agent',
    start: '2026-04-24T10:00:00',
    end: '2026-04-24T10:00:10',
    attrs: {
      'energy.joules': 3000,
      'energy.gpu.joules': 3000,
      'energy.attributed.joules': 3000,
      'energy.device.ids': ['gpu-0'],
      'energy.device.start.joules': [1000],
      'energy.device.end.joules': [4000],
    },
  });
  return f;
}

describe('rollup: one pass unless spans carry device readings', () => {
  it('without readings: the recorded shares, each issue once, progress adding up to the file', async () => {
    const plain = new SpanFactory();
    plain.span({ op: 'invoke_agent', start: '2026-04-24T10:00:00', end: '2026-04-24T10:00:10', attrs: { 'energy.joules': 5, 'energy.attributed.joules': 5 } });
    const path = join(tempDir(), 'spans.jsonl');
    writeFileSync(path, `{not json\n${plain.jsonl()}`);
    const issues: string[] = [];
    let progress = 0;
    const [row] = await rollupSpans([path], HOUR, { onIssue: (i) => issues.push(`${i.line}`), onProgress: (n) => (progress += n) });
    expect(row).toMatchObject({ spans: 1, energy_joules: 5 });
    expect(issues).toEqual(['1']);
    expect(progress).toBe(statSync(path).size);
  });

  it('with readings after an issue and other spans: shares across the processes, each issue once, progress adding up to the file', async () => {
    const plain = new SpanFactory();
    plain.span({ op: 'invoke_agent', start: '2026-04-24T10:30:00', end: '2026-04-24T10:30:10', attrs: { 'energy.joules': 5, 'energy.attributed.joules': 5 } });
    const path = join(tempDir(), 'spans.jsonl');
    // Two processes on one GPU, in the same 10 s: each recorded all 3000 J; across them each gets half.
    writeFileSync(path, `{not json\n${plain.jsonl()}{"resourceSpans":[{"scopeSpans":[{"spans":[{}]}]}]}\n${processOnGpu().jsonl()}${processOnGpu().jsonl()}`);
    const issues: string[] = [];
    let progress = 0;
    const [row] = await rollupSpans([path], HOUR, { onIssue: (i) => issues.push(`${i.line}`), onProgress: (n) => (progress += n) });
    expect(row).toMatchObject({ spans: 3, turns: 3, energy_joules: 3005 });
    expect(issues).toEqual(['1', '3']);
    expect(progress).toBe(statSync(path).size);
  });

  it('strict: the first issue is thrown, before or after readings', async () => {
    const path = join(tempDir(), 'spans.jsonl');
    writeFileSync(path, `${processOnGpu().jsonl()}{not json\n`);
    await expect(rollupSpans([path], HOUR, { strict: true })).rejects.toThrow(/:2: malformed JSON/);
  });
});
