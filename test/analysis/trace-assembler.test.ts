// rollup's one-pass reading gives what the in-memory forest gives, whatever order a writer puts a trace's spans in.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { subtreeEnergy } from '../../src/analysis/model/energy-rule.js';
import { forestUnits } from '../../src/analysis/model/genai-units.js';
import { SpanForest } from '../../src/analysis/model/span-forest.js';
import { TraceAssembler } from '../../src/analysis/model/trace-assembler.js';
import { readGenAiSpan } from '../../src/analysis/model/genai-span.js';
import { encodeTraceRequest } from '../../src/runtime/otlp/encode.js';
import { rollupSpans } from '../../src/analysis/rollup/rollup.js';
import { makeSpans } from '../helpers/span-trees.js';
import { BASE_MS, node, roundTrip } from './records.js';
import { dayAround } from './commands.js';

const energy = (j: number) => ({ 'energy.joules': j, 'energy.attributed.joules': j });
/** A turn with a wrapper model span around a provider's, and a tool: 1 turn, 1 call, 1 tool, 10 J. */
const turn = (start: number) =>
  node('invoke_agent a', start, start + 100, { 'gen_ai.operation.name': 'invoke_agent', ...energy(10) }, [
    node('chat m', start, start + 50, { 'gen_ai.operation.name': 'chat', ...energy(5) }, [
      node('chat m', start + 1, start + 49, { 'gen_ai.operation.name': 'chat', 'gen_ai.usage.input_tokens': 7, ...energy(4.5) }),
    ]),
    node('execute_tool t', start + 50, start + 100, { 'gen_ai.operation.name': 'execute_tool', ...energy(5) }),
  ]);

/** Writes the spans in the given order, `perLine` spans per line. */
function file(order: readonly ReadableSpan[], perLine: number): string {
  const lines: string[] = [];
  for (let i = 0; i < order.length; i += perLine) lines.push(JSON.stringify(encodeTraceRequest(order.slice(i, i + perLine))));
  const path = join(mkdtempSync(join(tmpdir(), 'oj-assembler-')), 'spans.jsonl');
  writeFileSync(path, lines.map((l) => `${l}\n`).join(''));
  return path;
}

describe('rollup reading traces in one pass', () => {
  const spans = makeSpans([turn(0), turn(200), turn(400)]);
  const expected = (() => {
    const forest = SpanForest.fromSpans(roundTrip(spans));
    const units = forestUnits(forest);
    return { turns: units.agent.length, calls: units.model.length, tools: units.tool.length, joules: subtreeEnergy(forest).joules, tokens: 21 };
  })();

  it.each([
    ['as exporters write them (ends in order, roots last), 2 per line', [...spans], 2],
    ['roots first (a writer that groups traces), one trace per line', [...spans].reverse(), 4],
  ] as const)('%s', async (_name, order, perLine) => {
    const [row] = await rollupSpans([file(order, perLine)], dayAround(BASE_MS), { strict: true });
    expect(expected).toEqual({ turns: 3, calls: 3, tools: 3, joules: 30, tokens: 21 });
    expect(row).toMatchObject({ turns: 3, llm_calls: 3, tool_calls: 3, energy_joules: 30, tokens_prompt: 21 });
  });

  it('hands a trace on as its root arrives after the rest, or at the end of the batch when the root came first', () => {
    const forests: SpanForest[] = [];
    const assembler = new TraceAssembler((f) => forests.push(f));
    const views = roundTrip(spans).map(readGenAiSpan);
    for (const view of views.slice(0, 3)) assembler.add(view); // the first trace without its root
    expect([assembler.heldTraces, forests.length]).toEqual([1, 0]);
    assembler.add(views[3]!); // its root, last: the exporters' order
    expect([assembler.heldTraces, forests.map((f) => f.nodes.length)]).toEqual([0, [4]]);
    for (const view of views.slice(4, 8).reverse()) assembler.add(view); // the second trace, root first
    expect([assembler.heldTraces, forests.length]).toEqual([1, 1]);
    assembler.endBatch();
    expect(forests.map((f) => f.nodes.length)).toEqual([4, 4]);
    for (const view of views.slice(8, 11)) assembler.add(view); // the third trace never gets its root
    assembler.flush();
    expect(forests.map((f) => f.nodes.length)).toEqual([4, 4, 3]);
    expect(assembler.heldTraces).toBe(0);
  });
});
