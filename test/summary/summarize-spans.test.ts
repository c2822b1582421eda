// summarizeSpans end to end: SDK spans -> OTLP/JSON lines file -> summary, with the seed's vectors in span form.
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { SpanInputError } from '../../src/analysis/otlp/read-spans.js';
import { summarizeSpans } from '../../src/analysis/summary/summary.js';
import { agent, chat, int64AsNumbers, tempDir, tool, workflow, writeSpansFile, type SpanSpec } from './span-fixtures.js';

/** Fixture 1 of the seed as spans: a 2-turn query (3.0 s) and a 1-turn query (0.5 s). */
const fixture1: SpanSpec[] = [
  workflow(0, 3000, {}, [
    agent(0, 1000, { 'energy.gpu.joules': 5.0, 'openjoules.cost.usd': 0.002 }, [chat(0, 500, 100, 50), tool('calc', 500, 900)]),
    agent(1000, 3000, { 'energy.gpu.joules': 8.0, 'openjoules.cost.usd': 0.003 }, [chat(1000, 2000, 80, 30), tool('search', 2000, 2900)]),
  ]),
  agent(10_000, 10_500, {}, [chat(10_000, 10_500, 20, 5)]),
];

/** The accuracy fixture as spans: GPU energy and duration give 200 W and 250 W. */
const accuracyFixture: SpanSpec[] = [
  agent(0, 50, { 'openjoules.query.resolved': true, 'energy.gpu.joules': 10 }),
  agent(1000, 1060, { 'openjoules.query.resolved': false, 'energy.gpu.joules': 15 }),
];

describe('summarizeSpans', () => {
  it('fixture 1 in span form gives the seed totals', async () => {
    const file = writeSpansFile(tempDir(), 'spans.jsonl', fixture1);
    const { summary, issues, traces } = await summarizeSpans([file]);
    expect(issues).toEqual([]);
    expect(traces).toHaveLength(2);
    expect(summary.config).toEqual({ inputs: [file] });
    expect(summary.totals).toMatchObject({ queries: 2, completed: 2, turns: 3, tool_calls: 2, input_tokens: 200, output_tokens: 85, total_tokens: 285 });
    expect(summary.totals.wall_clock_s).toBeCloseTo(3.5, 9);
    expect(summary.totals.gpu_energy_joules).toBeCloseTo(13, 12);
    expect(summary.totals.cost_usd).toBeCloseTo(0.005, 12);
    expect(summary.averages.turns_per_query).toBe(1.5);
    expect(summary.averages.wall_clock_per_query_s).toBeCloseTo(1.75, 9);
    expect(summary.statistics.wall_clock_s).toMatchObject({ min: 0.5, max: 3 });
    expect(summary.statistics.wall_clock_s.avg).toBeCloseTo(1.75, 9);
  });

  it('accuracy fixture in span form: accuracy 0.5, ipj 0.5/25, ipw 0.5/225', async () => {
    const { summary } = await summarizeSpans([writeSpansFile(tempDir(), 'a.jsonl', accuracyFixture)]);
    expect(summary.totals.accuracy).toBe(0.5);
    expect(summary.efficiency.ipj).toBeCloseTo(0.5 / 25, 12);
    expect(summary.efficiency.avg_gpu_power_watts).toBeCloseTo(225, 9);
    expect(summary.efficiency.ipw).toBeCloseTo(0.5 / 225, 12);
  });

  it('40 queries with wall = 1.0 + 0.1 i: normalized over 36, wall 1.2 to 4.7', async () => {
    const trees = Array.from({ length: 40 }, (_, i) => agent(i * 10_000, i * 10_000 + 1000 + 100 * i, {}, [chat(i * 10_000, i * 10_000 + 10, 1, 1)]));
    const { summary } = await summarizeSpans([writeSpansFile(tempDir(), 'forty.jsonl', trees)]);
    expect(summary.normalized_statistics!._outliers_removed).toEqual({ top_pct: 5, bottom_pct: 5, queries_before: 40, queries_after: 36 });
    expect(summary.normalized_statistics!.wall_clock_s.min).toBeCloseTo(1.2, 9);
    expect(summary.normalized_statistics!.wall_clock_s.max).toBeCloseTo(4.7, 9);
  });

  it('an empty file gives the empty summary', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'empty.jsonl'), '');
    const { summary, issues } = await summarizeSpans([join(dir, 'empty.jsonl')]);
    expect(issues).toEqual([]);
    expect(summary.totals).toMatchObject({ queries: 0, total_tokens: 0 });
    expect(summary.averages.turns_per_query).toBe(0);
    expect(summary.statistics.wall_clock_s.avg).toBeNull();
  });

  it('a malformed line is reported with file and line, and the rest is still read', async () => {
    const dir = tempDir();
    const file = writeSpansFile(dir, 'spans.jsonl', fixture1);
    const [first, second] = readFileSync(file, 'utf8').split('\n');
    writeFileSync(file, `${first}\n{not json\n${second}\n`);
    const seen: string[] = [];
    const { summary, issues } = await summarizeSpans([file], { onIssue: (i) => seen.push(`${i.file}:${i.line}`) });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ file, line: 2 });
    expect(issues[0]!.reason).toMatch(/malformed JSON/);
    expect(seen).toEqual([`${file}:2`]);
    expect(summary.totals.queries).toBe(2);
  });

  it('a truncated last line (a file still being written) is reported and the complete lines are kept', async () => {
    const file = writeSpansFile(tempDir(), 'spans.jsonl', fixture1);
    appendFileSync(file, '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"ab');
    const { summary, issues } = await summarizeSpans([file]);
    expect(issues).toEqual([expect.objectContaining({ file, line: 3 })]);
    expect(summary.totals.queries).toBe(2);
  });

  it('Collector-style int64 strings and plain numbers give the same summary', async () => {
    const dir = tempDir();
    const strings = writeSpansFile(dir, 'collector.json', fixture1);
    const numbers = writeSpansFile(dir, 'numbers.jsonl', fixture1, int64AsNumbers);
    expect(readFileSync(numbers, 'utf8')).toMatch(/"startTimeUnixNano":\d/);
    const a = await summarizeSpans([strings], { generatedAt: 1, config: {} });
    const b = await summarizeSpans([numbers], { generatedAt: 1, config: {} });
    expect(b.issues).toEqual([]);
    expect(b.summary).toEqual(a.summary);
  });

  it('reads directories recursively and stdin (-)', async () => {
    const dir = tempDir();
    writeSpansFile(dir, 'a.jsonl', fixture1.slice(0, 1));
    const file = writeSpansFile(tempDir(), 'b.jsonl', fixture1.slice(1));
    const stdin = Readable.from([readFileSync(file, 'utf8')]);
    const { summary } = await summarizeSpans([dir, '-'], { stdin });
    expect(summary.totals.queries).toBe(2);
  });

  it('strict mode throws SpanInputError at the first bad line', async () => {
    const file = writeSpansFile(tempDir(), 'spans.jsonl', fixture1);
    appendFileSync(file, 'oops\n');
    await expect(summarizeSpans([file], { strict: true })).rejects.toBeInstanceOf(SpanInputError);
  });
});
