import { describe, expect, it } from 'vitest';
import { rollupSpans } from '../../src/analysis/rollup/rollup.js';
import { hourWindow, lastCompletedHours } from '../../src/analysis/rollup/windows.js';
import { at, SpanFactory } from './fixtures.js';

const HOUR = hourWindow('2026-04-24T10');

describe('rollupSpans', () => {
  it('counts a session in every hour where one of its spans ended, and each span once', async () => {
    const f = new SpanFactory();
    const conv = { 'gen_ai.conversation.id': 'c1', 'user.id': 'u1' };
    f.span({ op: 'invoke_agent', start: '2026-04-24T09:50:00', end: '2026-04-24T09:59:00', attrs: conv });
    f.span({ op: 'invoke_agent', start: '2026-04-24T09:59:30', end: '2026-04-24T10:00:30', attrs: conv });
    f.span({ op: 'invoke_agent', start: '2026-04-24T10:50:00', end: '2026-04-24T11:00:00', attrs: conv });
    const rows = await rollupSpans([f.writeFile()], lastCompletedHours(3, at('2026-04-24T12:00:00')));
    expect(rows.map((r) => [r.bucket, r.sessions, r.users, r.turns])).toEqual([
      ['2026-04-24T11', 1, 1, 1],
      ['2026-04-24T10', 1, 1, 1],
      ['2026-04-24T09', 1, 1, 1],
    ]);
  });

  it('joins spans without a conversation id to their trace’s conversation, in any order', async () => {
    const f = new SpanFactory();
    // Children end (and are exported) before their parent, which alone carries the conversation id.
    const turn = f.start({ op: 'invoke_agent', start: '2026-04-24T10:00:00', attrs: { 'gen_ai.conversation.id': 'c1', 'user.id': 'u1' } });
    f.span({ op: 'chat', parent: turn, start: '2026-04-24T10:00:01', end: '2026-04-24T10:00:02' });
    f.span({ op: 'execute_tool', parent: turn, start: '2026-04-24T10:00:03', end: '2026-04-24T10:00:04' });
    turn.end(at('2026-04-24T10:00:05'));
    // A second turn of the same conversation in its own trace.
    f.span({ op: 'invoke_agent', start: '2026-04-24T10:10:00', end: '2026-04-24T10:10:05', attrs: { 'gen_ai.conversation.id': 'c1' } });
    // A trace with no conversation id at all is its own session, and with no user id its own user (the seed's
    // `user_id or session_id`).
    f.span({ op: 'invoke_agent', start: '2026-04-24T10:20:00', end: '2026-04-24T10:20:05' });
    const [row] = await rollupSpans([f.writeFile(1)], HOUR);
    expect(row).toMatchObject({ sessions: 2, users: 2, turns: 3, llm_calls: 1, tool_calls: 1, spans: 5, time_to_first_action_s_p50: 3 });
  });

  it('measures time to first action from the session’s first span, even one in an earlier hour, in the hour the first tool span ended', async () => {
    const f = new SpanFactory();
    const conv = { 'gen_ai.conversation.id': 'c1' };
    f.span({ op: 'invoke_agent', start: '2026-04-24T09:59:00', end: '2026-04-24T09:59:30', attrs: conv });
    f.span({ op: 'execute_tool', start: '2026-04-24T10:00:05', end: '2026-04-24T10:00:06', attrs: conv });
    f.span({ op: 'execute_tool', start: '2026-04-24T10:30:00', end: '2026-04-24T10:30:01', attrs: conv });
    // Sessions without a tool call are left out of the percentiles.
    f.span({ op: 'invoke_agent', start: '2026-04-24T10:00:00', end: '2026-04-24T10:00:10', attrs: { 'gen_ai.conversation.id': 'c2' } });
    f.span({ op: 'invoke_agent', start: '2026-04-24T10:00:00', end: '2026-04-24T10:00:10', attrs: { 'gen_ai.conversation.id': 'c3' } });
    f.span({ op: 'execute_tool', start: '2026-04-24T10:00:20', end: '2026-04-24T10:00:21', attrs: { 'gen_ai.conversation.id': 'c3' } });
    const rows = await rollupSpans([f.writeFile()], lastCompletedHours(2, at('2026-04-24T11:00:00')));
    // TTFA values 65 s (c1) and 20 s (c3): p50 = 42.5, p95 = 20 + 45 × 0.95.
    expect(rows[0]).toMatchObject({ bucket: '2026-04-24T10', sessions: 3, time_to_first_action_s_p50: 42.5, time_to_first_action_s_p95: 62.75 });
    expect(rows[1]).toMatchObject({ bucket: '2026-04-24T09', sessions: 1, time_to_first_action_s_p50: 0 });
  });

  it('takes energy from root spans only, preferring attributed joules, with GPU/CPU scaled to the same share', async () => {
    const f = new SpanFactory();
    const root = f.start({ op: 'invoke_agent', start: '2026-04-24T10:00:00', attrs: {
      'energy.joules': 200, 'energy.attributed.joules': 100, 'energy.gpu.joules': 160, 'energy.cpu.joules': 40 } });
    f.span({ op: 'chat', parent: root, start: '2026-04-24T10:00:01', end: '2026-04-24T10:00:02', attrs: {
      'energy.joules': 150, 'energy.attributed.joules': 90, 'energy.gpu.joules': 150, 'gen_ai.usage.output_tokens': 50 } });
    root.end(at('2026-04-24T10:00:05'));
    // A root with only inclusive energy (an older SDK) counts it as is.
    f.span({ op: 'invoke_agent', start: '2026-04-24T10:01:00', end: '2026-04-24T10:01:05', attrs: { 'energy.joules': 25, 'energy.gpu.joules': 20, 'energy.cpu.joules': 5 } });
    const [row] = await rollupSpans([f.writeFile()], HOUR, { gridIntensityGPerKwh: 400 });
    expect(row).toMatchObject({
      energy_joules: 125, energy_gpu_joules: 100, energy_cpu_joules: 25, turns: 2, joules_per_turn: 62.5,
      output_tokens_per_joule: 0.4, grid_intensity_g_per_kwh: 400, co2e_g: 0.013889,
    });
  });

  it('leaves gCO2e empty when no grid intensity is given', async () => {
    const f = new SpanFactory();
    f.span({ op: 'invoke_agent', start: '2026-04-24T10:00:00', end: '2026-04-24T10:00:05', attrs: { 'energy.joules': 3.6e6 } });
    const [without] = await rollupSpans([f.writeFile()], HOUR);
    expect(without).toMatchObject({ energy_joules: 3.6e6, grid_intensity_g_per_kwh: null, co2e_g: null });
    const [withIntensity] = await rollupSpans(await f.records(), HOUR, { gridIntensityGPerKwh: 350 });
    expect(withIntensity).toMatchObject({ co2e_g: 350 });
  });

  it('reports a bad span from memory with its index and skips it whole', async () => {
    const f = new SpanFactory();
    f.span({ op: 'chat', start: '2026-04-24T10:00:00', end: '2026-04-24T10:00:01', attrs: { 'gen_ai.usage.input_tokens': 10 } });
    f.span({ op: 'chat', start: '2026-04-24T10:00:00', end: '2026-04-24T10:00:01', attrs: { 'gen_ai.usage.input_tokens': 'ten' } });
    const issues: string[] = [];
    const [row] = await rollupSpans(await f.records(), HOUR, { onIssue: (i) => issues.push(`${i.file}:${i.line}: ${i.reason}`) });
    expect(row).toMatchObject({ llm_calls: 1, tokens_prompt: 10 });
    expect(issues).toEqual([expect.stringMatching(/^<spans>:2: span "chat" \([0-9a-f]{16}\): attribute gen_ai.usage.input_tokens should be an integer ≥ 0, got string "ten"$/)]);
  });

  it('counts users as the seed’s set of `user_id or session_id` strings: a user-less session whose id is a user id is that user', async () => {
    const f = new SpanFactory();
    f.span({ op: 'invoke_agent', start: '2026-04-24T10:00:00', end: '2026-04-24T10:00:05', attrs: { 'gen_ai.conversation.id': 'c1', 'user.id': 'ana' } });
    f.span({ op: 'invoke_agent', start: '2026-04-24T10:01:00', end: '2026-04-24T10:01:05', attrs: { 'gen_ai.conversation.id': 'c2', 'user.id': 'ana' } });
    // No user id, and its id is the user id above: one user for the seed, whose set holds strings.
    f.span({ op: 'invoke_agent', start: '2026-04-24T10:02:00', end: '2026-04-24T10:02:05', attrs: { 'gen_ai.conversation.id': 'ana' } });
    // No user id and an id of its own: a user of its own.
    f.span({ op: 'invoke_agent', start: '2026-04-24T10:03:00', end: '2026-04-24T10:03:05', attrs: { 'gen_ai.conversation.id': 'c4' } });
    const [row] = await rollupSpans([f.writeFile()], HOUR);
    expect(row).toMatchObject({ sessions: 4, users: 2 });
  });
});
