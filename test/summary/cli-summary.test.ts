// `openjoules summary`: in-process through runSummary and citty's runCommand, and once as a real subprocess.
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { runCommand } from 'citty';
import { describe, expect, it } from 'vitest';
import summaryCommand, { runSummary, SUMMARY_EXIT } from '../../src/analysis/cli/summary.js';
import { agent, chat, tempDir, tool, writeSpansFile } from './span-fixtures.js';

const trees = [
  agent(0, 1000, { 'energy.gpu.joules': 5, 'openjoules.query.resolved': true }, [chat(0, 500, 100, 50), tool('calc', 500, 900)]),
  agent(2000, 2500, { 'energy.gpu.joules': 3, 'openjoules.query.resolved': false }, [chat(2000, 2500, 20, 5)]),
];

function io(isTTY: boolean): { stdout: PassThrough & { isTTY?: boolean }; stderr: PassThrough; out: () => string; err: () => string } {
  const stdout: PassThrough & { isTTY?: boolean } = new PassThrough();
  stdout.isTTY = isTTY;
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  return { stdout, stderr, out: () => out, err: () => err };
}

describe('openjoules summary', () => {
  it('writes the JSON (indent 2) and prints the table on a terminal', async () => {
    const dir = tempDir();
    const input = writeSpansFile(dir, 'spans.jsonl', trees);
    const out = join(dir, 'nested', 'summary.json');
    const t = io(true);
    expect(await runSummary({ inputs: [input], out, strict: false }, t)).toBe(SUMMARY_EXIT.OK);
    const text = readFileSync(out, 'utf8');
    expect(text).toMatch(/^\{\n {2}"generated_at": /);
    expect(JSON.parse(text).totals).toMatchObject({ queries: 2, turns: 2, tool_calls: 1, accuracy: 0.5 });
    expect(t.out()).toMatch(/2 queries \(2 completed\), 2 turns, 1 tool call,/);
    expect(t.out()).toMatch(/per query +avg +median +min +max +std/);
    expect(t.out()).toMatch(/GPU energy \(J\) +4 +4 +3 +5 /);
    expect(t.out()).toContain(`wrote ${out}`);
    expect(t.err()).toBe('');
  });

  it('shows the hosted-API estimate apart: its own JSON block and line, each call once, measured totals untouched', async () => {
    const remote = (joules: number, min: number, max: number) => ({ 'energy.remote.joules': joules, 'energy.remote.min_joules': min, 'energy.remote.max_joules': max, 'energy.remote.method': 'ecologits' });
    const hosted = [
      // A wrapper around the provider's span: one call, the deepest estimate counts.
      agent(0, 1000, { 'energy.gpu.joules': 5, 'openjoules.query.resolved': true }, [chat(0, 500, 100, 50, remote(999, 998, 1000), [chat(10, 490, 100, 50, remote(150, 100, 200))]), tool('calc', 500, 900)]),
      agent(2000, 2500, { 'energy.gpu.joules': 3, 'openjoules.query.resolved': false }, [chat(2000, 2500, 20, 5, { 'energy.remote.joules': 30.5 })]),
    ];
    const dir = tempDir();
    const out = join(dir, 'summary.json');
    const t = io(true);
    expect(await runSummary({ inputs: [writeSpansFile(dir, 'hosted.jsonl', hosted)], out, strict: false }, t)).toBe(SUMMARY_EXIT.OK);
    const summary = JSON.parse(readFileSync(out, 'utf8'));
    expect(summary.remote_energy_estimate).toEqual({
      _description: expect.stringContaining('not a measurement'),
      calls: 2,
      joules: 180.5,
      min_joules: 130.5,
      max_joules: 230.5,
      methods: ['ecologits'],
    });
    expect(Object.keys(summary).pop()).toBe('remote_energy_estimate');
    expect(t.out()).toContain('energy: GPU 8 J\nhosted-API estimate (not measured, not in the energy above): 180.5 J (130.5–230.5 J) over 2 calls, method ecologits\n');
    // The same spans without energy.remote.*: the same summary but for the block, and no line.
    const strip = (line: string): string => line.replace(/\{"key":"energy\.remote\.[a-z_]+","value":\{[^}]*\}\},?/g, '').replace(/,\]/g, ']');
    const plainOut = join(dir, 'plain.json');
    const plainIo = io(true);
    await runSummary({ inputs: [writeSpansFile(dir, 'plain.jsonl', hosted, strip)], out: plainOut, strict: false }, plainIo);
    const plain = JSON.parse(readFileSync(plainOut, 'utf8'));
    expect(plain.remote_energy_estimate).toBeUndefined();
    const { remote_energy_estimate: _, ...rest } = summary;
    expect({ ...rest, generated_at: 0, config: {} }).toEqual({ ...plain, generated_at: 0, config: {} });
    expect(plainIo.out()).not.toContain('hosted-API');
  });

  it('on a pipe prints only the output path; --out - writes the JSON to stdout', async () => {
    const dir = tempDir();
    const input = writeSpansFile(dir, 'spans.jsonl', trees);
    const piped = io(false);
    await runSummary({ inputs: [input], out: join(dir, 's.json'), strict: false }, piped);
    expect(piped.out()).toBe(`${join(dir, 's.json')}\n`);
    const toStdout = io(false);
    await runSummary({ inputs: [input], out: '-', strict: false }, toStdout);
    expect(JSON.parse(toStdout.out()).totals.queries).toBe(2);
  });

  it('reports each bad line as file:line: reason, skips it, counts them, writes the rest and exits 1', async () => {
    const dir = tempDir();
    const input = writeSpansFile(dir, 'spans.jsonl', trees);
    appendFileSync(input, 'garbage\n{"resourceSpans": 3}\n');
    const t = io(false);
    expect(await runSummary({ inputs: [input], out: join(dir, 's.json'), strict: false }, t)).toBe(SUMMARY_EXIT.SKIPPED);
    const lines = t.err().trimEnd().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^${input.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3: malformed JSON`));
    expect(lines[1]).toBe(`${input}:4: "resourceSpans" is not an array`);
    expect(lines[2]).toBe('2 lines skipped');
    expect(JSON.parse(readFileSync(join(dir, 's.json'), 'utf8')).totals.queries).toBe(2);
  });

  it('--strict stops at the first bad line with exit 2 and writes nothing', async () => {
    const dir = tempDir();
    const input = writeSpansFile(dir, 'spans.jsonl', trees);
    appendFileSync(input, 'garbage\n');
    const t = io(false);
    expect(await runSummary({ inputs: [input], out: join(dir, 's.json'), strict: true }, t)).toBe(SUMMARY_EXIT.BAD_INPUT);
    expect(t.err()).toContain(`${input}:3: malformed JSON`);
    expect(existsSync(join(dir, 's.json'))).toBe(false);
  });

  it('exits 2 when there is no input or an input does not exist', async () => {
    const t = io(false);
    expect(await runSummary({ inputs: [], out: '-', strict: false }, t)).toBe(SUMMARY_EXIT.FAILED);
    expect(await runSummary({ inputs: [join(tempDir(), 'missing.jsonl')], out: '-', strict: false }, t)).toBe(SUMMARY_EXIT.FAILED);
    expect(t.err()).toMatch(/no input[\s\S]*ENOENT/);
  });

  it('runs through citty (repeated --input)', async () => {
    const dir = tempDir();
    const a = writeSpansFile(dir, 'a.jsonl', trees.slice(0, 1));
    const b = writeSpansFile(dir, 'b.jsonl', trees.slice(1));
    const out = join(dir, 's.json');
    const previous = process.exitCode;
    const write = process.stdout.write;
    process.stdout.write = (() => true) as typeof process.stdout.write;
    try {
      await runCommand(summaryCommand, { rawArgs: ['--input', a, '--input', b, '--out', out] });
      expect(process.exitCode).toBe(0);
    } finally {
      process.stdout.write = write;
      process.exitCode = previous;
    }
    expect(JSON.parse(readFileSync(out, 'utf8')).totals.queries).toBe(2);
  });

  it('runs as a subprocess: exit status, stdout on a pipe, stderr for skips', () => {
    const dir = tempDir();
    const input = writeSpansFile(dir, 'spans.jsonl', trees);
    appendFileSync(input, '{"resourceSpans":[');
    const out = join(dir, 's.json');
    const main = join(import.meta.dirname, '..', '..', 'src', 'analysis', 'cli', 'main.ts');
    const result = spawnSync(process.execPath, ['--import', 'tsx', main, 'summary', '--input', input, '--out', out], { encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe(`${out}\n`);
    expect(result.stderr).toMatch(/:3: malformed JSON[\s\S]*1 line skipped/);
    const strict = spawnSync(process.execPath, ['--import', 'tsx', main, 'summary', '--input', input, '--out', join(dir, 'x.json'), '--strict'], { encoding: 'utf8' });
    expect(strict.status).toBe(2);
  });
});
