// rollup on worker threads (parallel-rollup.ts) gives the rows and issues of one thread, exactly: here on a file of
// real SDK spans cut into ranges of a few KB, so that traces, sessions and conversations run across many ranges,
// roots come before and after their spans, float sums depend on their order, and bad lines sit in several ranges.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Span } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import type { ReadIssue } from '../../src/analysis/otlp/span-record.js';
import { rollupInParallel } from '../../src/analysis/rollup/parallel-rollup.js';
import { rollupSpans } from '../../src/analysis/rollup/rollup.js';
import { lastCompletedHours } from '../../src/analysis/rollup/windows.js';
import { encodeTraceRequest } from '../../src/runtime/otlp/encode.js';
import { at, SpanFactory, tempDir } from './fixtures.js';

const WINDOW = lastCompletedHours(4, at('2026-04-24T14:00:00'));

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString().slice(0, 23);
}

/**
 * A file of `traces` agent turns over 10:00–14:00 (and a few before the window): conversations that come back across
 * the file, turns whose conversation id only the root carries (their other spans are keyed by trace until then),
 * turns with no conversation at all, users on some spans only, model calls (one nested in another) with tokens, cost
 * and energy in amounts whose float sums depend on their order, tool calls that fail, feedback and job events, orphan
 * spans whose root never comes, and spans of a trace after its root. Spans of several turns interleave; most turns
 * come children first (as exporters write them), some root first; lines hold 1–6 spans; bad lines and bad spans
 * in between. Returns the path.
 */
function writeWorkload(seed: number, traces: number): string {
  const rnd = random(seed);
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const f = new SpanFactory();
  const amount = (): number => Math.round(rnd() * 1e6) / 1e5 + 0.1;
  const base = at('2026-04-24T09:50:00');
  /** Each turn's spans in the order it is written. */
  const turns: Span[][] = [];
  for (let t = 0; t < traces; t++) {
    const start = base + rnd() * 4.2 * 3_600_000;
    const conversation = rnd() < 0.12 ? undefined : `conv-${Math.floor(rnd() * 25)}`;
    const onRootOnly = conversation !== undefined && rnd() < 0.2;
    const user = rnd() < 0.6 ? `user-${Math.floor(rnd() * 9)}` : undefined;
    const common = (isRoot: boolean): Record<string, string> => ({
      ...(conversation !== undefined && (isRoot || !onRootOnly) ? { 'gen_ai.conversation.id': conversation } : {}),
      ...(user !== undefined && (isRoot || rnd() < 0.5) ? { 'user.id': user } : {}),
    });
    const root = f.start({ op: 'invoke_agent', start: iso(start), attrs: { ...common(true), ...(rnd() < 0.1 ? { 'openjoules.turn.regenerated': true } : {}) } });
    const spans: Span[] = [];
    let time = start;
    const child = (op: string, attrs: Record<string, string | number | boolean>, parent: Span = root, error = false): Span => {
      const s = f.span({ op, start: iso(time + 1), end: iso(time + 1 + rnd() * 20_000), parent, error, attrs: { ...common(false), ...attrs } });
      time += 1000 + rnd() * 15_000;
      spans.push(s);
      return s;
    };
    const calls = 1 + Math.floor(rnd() * 3);
    for (let c = 0; c < calls; c++) {
      const usage = { 'gen_ai.usage.input_tokens': Math.floor(rnd() * 3000), 'gen_ai.usage.output_tokens': Math.floor(rnd() * 800), 'openjoules.cost_usd': amount() / 1000 };
      const energy = { 'energy.joules': amount(), 'energy.gpu.joules': amount(), 'energy.attributed.joules': amount() / 2 };
      if (rnd() < 0.2) {
        // A call the user wraps around an instrumented one: counted once.
        const outer = f.start({ op: 'chat', start: iso(time), parent: root, attrs: { ...common(false), ...usage } });
        child('chat', { ...usage, ...energy }, outer);
        outer.end(at(iso(time + 500)));
        spans.push(outer);
      } else {
        child('chat', { ...usage, ...energy, ...(rnd() < 0.3 ? { 'energy.remote.joules': amount(), 'energy.remote.min.joules': amount() / 2 } : {}) });
      }
    }
    for (let k = Math.floor(rnd() * 3); k > 0; k--) child('execute_tool', { 'gen_ai.tool.name': 'search' }, root, rnd() < 0.2);
    root.end(at(iso(time + 2000)));
    if (rnd() < 0.3) root.addEvent('openjoules.feedback', { 'openjoules.feedback.rating': rnd() < 0.5 ? 'up' : 'down' });
    if (rnd() < 0.1) {
      root.addEvent('openjoules.job.complete', { 'openjoules.job.flavor': pick(['a10g-small', 'h100x8', 'l4x4']), 'openjoules.job.status': 'completed', 'openjoules.job.duration': amount() * 100 });
    }
    const rootFirst = rnd() < 0.15;
    const written = rootFirst ? [root, ...spans] : [...spans, root];
    // Orphans: the root never comes (its process wrote another file), or a child comes after its root.
    const odd = rnd();
    if (odd < 0.05) written.pop();
    else if (odd < 0.1) written.push(child('execute_tool', { 'gen_ai.tool.name': 'late' }));
    turns.push(written);
  }
  const byId = new Map<string, ReadableSpan>(f.exporter.getFinishedSpans().map((s) => [s.spanContext().spanId, s]));
  // Interleave up to four turns at a time, then cut into lines of 1–6 spans, with bad input between some.
  const order: ReadableSpan[] = [];
  const active: Span[][] = [];
  let next = 0;
  while (next < turns.length || active.length > 0) {
    while (active.length < 4 && next < turns.length) active.push([...turns[next++]!]);
    const i = Math.floor(rnd() * active.length);
    const turn = active[i]!;
    order.push(byId.get(turn.shift()!.spanContext().spanId)!);
    if (turn.length === 0) active.splice(i, 1);
  }
  const lines: string[] = [];
  for (let i = 0; i < order.length; ) {
    const n = 1 + Math.floor(rnd() * 6);
    lines.push(JSON.stringify(encodeTraceRequest(order.slice(i, i + n))));
    i += n;
    const bad = rnd();
    if (bad < 0.03) lines.push('{not json');
    else if (bad < 0.05) lines.push(JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: 'ab', spanId: 'cd', name: 'x', startTimeUnixNano: '1', endTimeUnixNano: '2', attributes: [{ key: 'gen_ai.usage.input_tokens', value: { stringValue: 'many' } }] }] }] }] }));
    else if (bad < 0.06) lines.push('');
  }
  const path = join(tempDir(), 'spans.jsonl');
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

async function run(path: string, options: { threads: number; rangeBytes?: number }): Promise<{ rows: unknown; issues: ReadIssue[]; progress: number }> {
  const issues: ReadIssue[] = [];
  let progress = 0;
  const rows = await rollupSpans([path], WINDOW, { ...options, onIssue: (i) => issues.push(i), onProgress: (n) => (progress += n) });
  return { rows, issues, progress };
}

describe('rollup on worker threads', () => {
  it('gives one thread\'s rows and issues, in order, with traces, sessions and conversations across many ranges', async () => {
    const path = writeWorkload(7, 400);
    const size = statSync(path).size;
    const one = await run(path, { threads: 1 });
    expect((one.rows as Array<{ spans: number }>).reduce((n, r) => n + r.spans, 0)).toBeGreaterThan(600);
    expect(one.issues.length).toBeGreaterThan(5);
    expect(one.progress).toBe(size);
    for (const [threads, rangeBytes] of [[2, 4096], [3, 1500], [2, 40_000]] as const) {
      const many = await run(path, { threads, rangeBytes });
      expect({ threads, rangeBytes, ...many }).toStrictEqual({ threads, rangeBytes, ...one });
    }
  }, 60_000);

  it('takes the parallel path (not a hand-over) and agrees on other workloads', async () => {
    for (const seed of [1, 2, 3]) {
      const path = writeWorkload(seed, 150);
      const one = await run(path, { threads: 1 });
      const issues: ReadIssue[] = [];
      const outcome = await rollupInParallel([path], WINDOW, { threads: 2, rangeBytes: 2048, onIssue: (i) => issues.push(i) });
      expect({ seed, outcome, issues }).toStrictEqual({ seed, outcome: { rows: one.rows }, issues: one.issues });
    }
  }, 60_000);

  it('agrees across several files and a directory: line numbers per file, traces and sessions running from one file into the next', async () => {
    const whole = readFileSync(writeWorkload(13, 300), 'utf8').split('\n');
    const dir = tempDir();
    // Three files cut at arbitrary lines (the last with no final newline), read in name order from the directory.
    const cuts = [0, Math.floor(whole.length / 3), Math.floor((2 * whole.length) / 3), whole.length];
    for (let k = 0; k < 3; k++) writeFileSync(join(dir, `part-${k}.jsonl`), whole.slice(cuts[k], cuts[k + 1]).join('\n') + (k < 2 ? '\n' : ''));
    writeFileSync(join(dir, 'empty.jsonl'), '');
    const one = await run(dir, { threads: 1 });
    expect(new Set(one.issues.map((i) => i.file)).size).toBeGreaterThan(1);
    for (const rangeBytes of [3000, 25_000]) expect(await run(dir, { threads: 2, rangeBytes })).toStrictEqual(one);
  }, 60_000);

  it('strict: throws the first bad input in input order, as one thread', async () => {
    const path = writeWorkload(11, 200);
    const one = await rollupSpans([path], WINDOW, { threads: 1, strict: true }).catch((e: Error) => e.message);
    const many = await rollupSpans([path], WINDOW, { threads: 2, rangeBytes: 3000, strict: true }).catch((e: Error) => e.message);
    expect(one).toMatch(/spans\.jsonl:\d+: /);
    expect(many).toBe(one);
  }, 60_000);

  it('hands over to one thread when a span carries device readings, reporting each issue and byte once', async () => {
    const plain = writeWorkload(5, 120);
    const gpu = new SpanFactory();
    gpu.span({
      op: 'invoke_agent',
      start: '2026-04-24T12:00:00',
      end: '2026-04-24T12:00:10',
      attrs: { 'energy.joules': 30, 'energy.attributed.joules': 30, 'energy.device.ids': ['gpu-0'], 'energy.device.start.joules': [10], 'energy.device.end.joules': [40] },
    });
    // Last (every range read first), and first (the ranges this thread and the worker are folding then abandoned).
    for (const [where, text] of [['last', `${readFileSync(plain, 'utf8')}${gpu.jsonl()}`], ['first', `${gpu.jsonl()}${readFileSync(plain, 'utf8')}`]] as const) {
      const path = join(tempDir(), 'spans.jsonl');
      writeFileSync(path, text);
      const one = await run(path, { threads: 1 });
      for (const threads of [2, 3]) {
        const many = await run(path, { threads, rangeBytes: 4096 });
        expect({ where, threads, ...many }).toStrictEqual({ where, threads, ...one });
        expect(many.progress).toBe(statSync(path).size);
      }
    }
  }, 60_000);
});
