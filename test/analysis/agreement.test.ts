// The five commands agree with each other and with the devices, on the same spans: concurrent conversations in one
// process, nested model spans, spans of several processes in several files, and hosted-API calls whose estimate
// (energy.remote.*) is shown apart from every measured total.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Attributes, Span } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { readAllSpans } from '../../src/analysis/export-data/read-traces.js';
import { dayAround, field, runAllCommands, type CommandTotals } from './commands.js';
import { T0, virtualProcess, type VirtualProcess } from './virtual-process.js';

const processes: VirtualProcess[] = [];
afterEach(async () => {
  for (const p of processes.splice(0)) await p.shutdown();
});
/** Spans start 1 s in, once the devices have reported for a while (as in a process that has run for some time). */
const S = 1000;

function process_(resource: Attributes, watts: number): VirtualProcess {
  const p = virtualProcess(resource, [{ power: watts }]);
  processes.push(p);
  return p;
}
const tempDir = (): string => mkdtempSync(join(tmpdir(), 'oj-agreement-'));

/** Relative closeness, for joules summed in different orders and rounded to the mJ by rollup. */
function expectAllClose(values: Record<string, number>, expected: number, relative: number): void {
  for (const [command, value] of Object.entries(values)) {
    expect(Math.abs(value - expected) / expected, `${command}: ${value} vs ${expected}`).toBeLessThanOrEqual(relative);
  }
}

/** Something a process does at a time (ms): the agents' work is replayed in time order, as it happens in a process. */
type Step = readonly [t: number, run: () => void];

/** One agent turn of a conversation over [start, end]: a model call for the first half, a tool call for the second. */
function conversationTurn(p: VirtualProcess, conversation: string, start: number, end: number, input: number, output: number): Step[] {
  const identity = { 'gen_ai.conversation.id': conversation, 'user.id': `user-${conversation}` };
  const mid = (start + end) / 2;
  let turn: Span;
  let chat: Span;
  let tool: Span;
  return [
    [start, () => {
      turn = p.start('invoke_agent support', start, { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'support', ...identity });
      chat = p.start('chat gpt-4.1', start, { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4.1', ...identity }, turn);
    }],
    [mid, () => {
      chat.setAttributes({ 'gen_ai.usage.input_tokens': input, 'gen_ai.usage.output_tokens': output });
      p.end(chat, mid);
      tool = p.start('execute_tool search', mid, { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'search', ...identity }, turn);
    }],
    [end, () => {
      p.end(tool, end);
      p.end(turn, end);
    }],
  ];
}

/** Runs steps in time order (stable for equal times). */
function replay(...steps: Step[][]): void {
  for (const [, run] of steps.flat().sort((a, b) => a[0] - b[0])) run();
}

describe('agreement of summary, rollup, stats, report and export', () => {
  it('three conversations at once in one process on a 300 W device: every command gives what the device drew', async () => {
    const p = process_({ 'service.name': 'agent', 'process.pid': 101 }, 300);
    // Turns overlap pairwise; together they cover 0–1.6 s, so the device drew 300 W × 1.6 s = 480 J.
    replay(
      conversationTurn(p, 'c1', S, S + 1200, 100, 10),
      conversationTurn(p, 'c2', S + 200, S + 1400, 200, 20),
      conversationTurn(p, 'c3', S + 400, S + 1600, 300, 30),
    );
    const dir = tempDir();
    await p.writeJsonl(join(dir, 'spans.jsonl'), S + 2000);
    const totals = await runAllCommands([join(dir, 'spans.jsonl')], dir, dayAround(T0));

    const device = p.deviceJoules(S, S + 1600);
    expect(device).toBeCloseTo(480, 9);
    expectAllClose(field(totals, 'runJoules'), device, 0.01);
    // (Adding the turns' inclusive joules, 3 × 360 J, gave 1080 J.) The model calls' fair shares, by the attribution
    // rule: 0–0.2 s call 1 alone (60 J), 0.2–0.4 s calls 1 and 2 (60 J), 0.4–0.6 s three calls (60 J), 0.6–0.8 s two
    // calls of three leaves (40 J), 0.8–1.0 s one of three (20 J): 240 J, not their inclusive 540 J.
    const calls = field(totals, 'callJoules');
    expect(Object.keys(calls)).toEqual(['stats', 'report']);
    expectAllClose(calls, 240, 0.01);
    expect(field(totals, 'llmCalls')).toEqual({ rollup: 3, stats: 3, report: 3 });
    expect(field(totals, 'turns')).toEqual({ summary: 3, rollup: 3, report: 3, export: 3 });
    expect(field(totals, 'inputTokens')).toEqual({ summary: 600, rollup: 600, stats: 600, report: 600, export: 600 });
    expect(field(totals, 'outputTokens')).toEqual({ summary: 60, rollup: 60, stats: 60, report: 60, export: 60 });
  });

  it('spans of two processes in two files, one calling the other’s tool server: each process’s devices counted once', async () => {
    const agent = process_({ 'service.name': 'agent', 'process.pid': 201, 'host.name': 'node-a' }, 300);
    const tools = process_({ 'service.name': 'tool-server', 'process.pid': 202, 'host.name': 'node-b' }, 100);
    const identity = { 'gen_ai.conversation.id': 'c1' };
    const turn = agent.start('invoke_agent support', S, { 'gen_ai.operation.name': 'invoke_agent', ...identity });
    const chat = agent.start('chat gpt-4.1', S, { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4.1', 'gen_ai.usage.input_tokens': 50, 'gen_ai.usage.output_tokens': 5, ...identity }, turn);
    agent.end(chat, S + 400);
    const call = agent.start('execute_tool rerank', S + 400, { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'rerank', ...identity }, turn);
    // The tool server's request span (its parent is the agent's tool span, in another process) and a model it runs.
    const served = tools.start('POST /rerank', S + 450, { 'http.request.method': 'POST' }, call);
    const sub = tools.start('chat reranker-1b', S + 500, { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'reranker-1b', 'gen_ai.usage.input_tokens': 1000, 'gen_ai.usage.output_tokens': 1 }, served);
    tools.end(sub, S + 900);
    tools.end(served, S + 950);
    agent.end(call, S + 1000);
    agent.end(turn, S + 1000);
    const dir = tempDir();
    await agent.writeJsonl(join(dir, 'agent.jsonl'), S + 1500);
    await tools.writeJsonl(join(dir, 'tools.jsonl'), S + 1500);
    const totals = await runAllCommands([dir], dir, dayAround(T0));

    // 300 W × 1 s on the agent's device, 100 W × 0.5 s on the tool server's.
    const devices = agent.deviceJoules(S, S + 1000) + tools.deviceJoules(S + 450, S + 950);
    expect(devices).toBeCloseTo(350, 9);
    expectAllClose(field(totals, 'runJoules'), devices, 0.01);
    const calls = field(totals, 'callJoules');
    expect(calls.stats).toBeCloseTo(calls.report!, 6);
    // The agent's call (300 W × 0.4 s) and the tool server's model (100 W × 0.4 s, alone on its device).
    expectAllClose(calls, 160, 0.01);
    expect(field(totals, 'llmCalls')).toEqual({ rollup: 2, stats: 2, report: 2 });
    expect(field(totals, 'inputTokens')).toEqual({ summary: 1050, rollup: 1050, stats: 1050, report: 1050, export: 1050 });
  });

  it('hosted-API calls: summary, rollup and report show the same estimate, each call once; every measured total is as without it', async () => {
    const p = process_({ 'service.name': 'agent', 'process.pid': 301 }, 300);
    // Calls to a hosted API (gen_ai.provider.name openai): the EnergySpanProcessor puts the estimate on them as they
    // end, from their tokens and duration. The third conversation wraps its call around the provider's span: one call,
    // two estimated spans (different durations, so different estimates).
    replay(conversationTurn(p, 'c1', S, S + 1200, 100, 400), conversationTurn(p, 'c2', S + 200, S + 1400, 200, 800));
    const identity = { 'gen_ai.conversation.id': 'c3' };
    const call = { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4.1', ...identity };
    const usage = { 'gen_ai.usage.input_tokens': 50, 'gen_ai.usage.output_tokens': 300 };
    const turn = p.start('invoke_agent support', S + 1500, { 'gen_ai.operation.name': 'invoke_agent', ...identity });
    const wrapper = p.start('chat gpt-4.1', S + 1500, call, turn);
    const inner = p.start('chat gpt-4.1', S + 1510, call, wrapper);
    inner.setAttributes(usage);
    p.end(inner, S + 1900);
    wrapper.setAttributes(usage);
    p.end(wrapper, S + 1910);
    p.end(turn, S + 2000);
    const dir = tempDir();
    const file = join(dir, 'spans.jsonl');
    await p.writeJsonl(file, S + 2500);

    // What the spans say: each call's deepest estimated span.
    const spans = await readAllSpans([file], { strict: true });
    const chats = spans.filter((s) => s.attributes['gen_ai.operation.name'] === 'chat');
    const deepest = chats.filter((c) => !chats.some((o) => o.parentSpanId === c.spanId));
    expect(chats.filter((c) => c.attributes['energy.remote.joules'] !== undefined), 'every call span estimated').toHaveLength(4);
    const want = (key: string): number => deepest.reduce((sum, c) => sum + (c.attributes[key] as number), 0);

    const totals = await runAllCommands([file], dir, dayAround(T0));
    expect(field(totals, 'remoteCalls')).toEqual({ summary: 3, report: 3 });
    for (const [key, attribute] of [['remoteMinJoules', 'energy.remote.min_joules'], ['remoteMaxJoules', 'energy.remote.max_joules']] as const) {
      const shown = field(totals, key);
      expect(Object.keys(shown)).toEqual(['summary', 'rollup', 'report']);
      // Rollup rounds to the mJ.
      for (const [command, joules] of Object.entries(shown)) expect(Math.abs(joules - want(attribute)), `${command} ${key}`).toBeLessThanOrEqual(5e-4);
    }
    expect(want('energy.remote.min_joules')).toBeLessThan(want('energy.remote.max_joules'));

    // The devices drew 300 W over 0–1.4 s and 1.5–2.0 s; the estimate is not in any measured total.
    expectAllClose(field(totals, 'runJoules'), p.deviceJoules(S, S + 1400) + p.deviceJoules(S + 1500, S + 2000), 0.01);
    const strippedDir = tempDir();
    const stripped = join(strippedDir, 'spans.jsonl');
    writeFileSync(stripped, readFileSync(file, 'utf8').replace(/\{"key":"energy\.remote\.[a-z_]+","value":\{[^}]*\}\},?/g, '').replace(/,\]/g, ']'));
    const without = await runAllCommands([stripped], strippedDir, dayAround(T0));
    const measured = ['runJoules', 'callJoules', 'llmCalls', 'turns', 'inputTokens', 'outputTokens'] as const satisfies ReadonlyArray<keyof CommandTotals>;
    for (const key of measured) expect(field(totals, key), key).toEqual(field(without, key));
    expect(field(without, 'remoteMinJoules')).toEqual({ summary: 0, rollup: 0, report: 0 });
  });
});
