// The seed's test vectors (ml-intern tests/unit/test_build_kpis.py, seeds-spec §3.1) in span form. Its job and
// call-to-action vectors come from openjoules.job.* / openjoules.cta.click span events; the vectors of columns the
// seed script we follow does not write (credits, research/tool-breadth, sessions_by_model) have none here.
import { describe, expect, it } from 'vitest';
import { rollupSpans } from '../../src/analysis/rollup/rollup.js';
import { dayWindow, hourWindow } from '../../src/analysis/rollup/windows.js';
import { SpanFactory } from './fixtures.js';

const HOUR = hourWindow('2026-04-24T10');

async function rowOf(f: SpanFactory, window = HOUR) {
  const rows = await rollupSpans([f.writeFile()], window);
  expect(rows).toHaveLength(1);
  return rows[0]!;
}

/** One session (`_session` in the seed): an invoke_agent turn from 09:59:00 to 10:05:00 with the given children. */
function session(f: SpanFactory, id: string, user: string, children: (turn: ReturnType<SpanFactory['start']>) => void, turnAttrs = {}, error = false) {
  const turn = f.start({ op: 'invoke_agent', start: '2026-04-24T09:59:00', attrs: { 'gen_ai.conversation.id': id, 'user.id': user, ...turnAttrs } });
  children(turn);
  if (error) turn.setStatus({ code: 2 });
  turn.end(Date.parse('2026-04-24T10:05:00Z'));
}

describe('seed vectors in span form', () => {
  it('test_llm_call_accumulates_tokens_and_cost', async () => {
    const f = new SpanFactory();
    session(f, 's1', 'u1', (turn) => {
      f.span({ op: 'chat', parent: turn, start: '2026-04-24T10:00:00', end: '2026-04-24T10:00:01', attrs: {
        'gen_ai.usage.input_tokens': 100, 'gen_ai.usage.output_tokens': 50, 'gen_ai.usage.cache_read.input_tokens': 40,
        'gen_ai.usage.cache_creation.input_tokens': 10, 'openjoules.cost.usd': 0.01 } });
      f.span({ op: 'chat', parent: turn, start: '2026-04-24T10:00:02', end: '2026-04-24T10:00:03', attrs: {
        'gen_ai.usage.input_tokens': 200, 'gen_ai.usage.output_tokens': 100, 'gen_ai.usage.cache_read.input_tokens': 80,
        'openjoules.cost.usd': 0.02 } });
    });
    const row = await rowOf(f);
    expect(row).toMatchObject({ llm_calls: 2, tokens_prompt: 300, tokens_completion: 150, tokens_cache_read: 120, tokens_cache_creation: 10, cost_usd: 0.03 });
  });

  it('test_tool_success_rate_and_first_action: execute_tool spans, first one 65 s after the session start', async () => {
    const f = new SpanFactory();
    session(f, 's1', 'u1', (turn) => {
      f.span({ op: 'execute_tool', name: 'execute_tool bash', parent: turn, start: '2026-04-24T10:00:05', end: '2026-04-24T10:00:06' });
      f.span({ op: 'execute_tool', name: 'execute_tool bash', parent: turn, start: '2026-04-24T10:00:10', end: '2026-04-24T10:00:11', error: true });
    });
    const row = await rowOf(f);
    expect(row).toMatchObject({ tool_calls: 2, tool_success_rate: 0.5, time_to_first_action_s_p50: 65, time_to_first_action_s_p95: 65 });
  });

  it('test_feedback_counts: up, up, down', async () => {
    const f = new SpanFactory();
    session(f, 's1', 'u1', (turn) => {
      turn.addEvent('openjoules.feedback', { 'openjoules.feedback.rating': 'up' });
      turn.addEvent('openjoules.feedback', { 'openjoules.feedback.rating': 'up' });
      turn.addEvent('openjoules.feedback', { 'openjoules.feedback.rating': 'down' });
    });
    expect(await rowOf(f)).toMatchObject({ thumbs_up: 2, thumbs_down: 1 });
  });

  it('test_aggregate_day_cache_hit_and_users', async () => {
    const f = new SpanFactory();
    session(f, 's1', 'u1', (turn) =>
      f.span({ op: 'chat', parent: turn, start: '2026-04-24T10:00:00', end: '2026-04-24T10:00:01', attrs: {
        'gen_ai.usage.input_tokens': 100, 'gen_ai.usage.cache_read.input_tokens': 400, 'openjoules.cost.usd': 0.5 } }));
    session(f, 's2', 'u2', (turn) =>
      f.span({ op: 'chat', parent: turn, start: '2026-04-24T10:00:00', end: '2026-04-24T10:00:01', attrs: {
        'gen_ai.usage.input_tokens': 200, 'gen_ai.usage.cache_read.input_tokens': 100, 'openjoules.cost.usd': 1.0 } }));
    const row = await rowOf(f, dayWindow('2026-04-24'));
    expect(row).toMatchObject({ bucket: '2026-04-24', sessions: 2, users: 2, tokens_prompt: 300, tokens_cache_read: 500, cache_hit_ratio: 0.625, cost_usd: 1.5 });
  });

  it('test_failure_and_regenerate_rates: error / regenerated / neither give 1/3 each', async () => {
    const f = new SpanFactory();
    session(f, 's1', 'u1', () => {}, {}, true);
    session(f, 's2', 'u1', () => {}, { 'openjoules.turn.regenerated': true });
    session(f, 's3', 'u1', () => {});
    const row = await rowOf(f);
    expect(row).toMatchObject({ sessions: 3, users: 1, turns: 3, failure_rate: 0.3333, regenerate_rate: 0.3333 });
  });

  it('test_window_filter_keeps_only_events_in_range: spans count in the hour in which they end', async () => {
    const f = new SpanFactory();
    const conv = { 'gen_ai.conversation.id': 's1' };
    f.span({ op: 'chat', start: '2026-04-24T09:44:00', end: '2026-04-24T09:45:00', attrs: { ...conv, 'gen_ai.usage.input_tokens': 100 } });
    f.span({ op: 'chat', start: '2026-04-24T10:04:00', end: '2026-04-24T10:05:00', attrs: { ...conv, 'gen_ai.usage.input_tokens': 200 } });
    f.span({ op: 'execute_tool', start: '2026-04-24T10:29:00', end: '2026-04-24T10:30:00', attrs: conv });
    f.span({ op: 'chat', start: '2026-04-24T11:09:00', end: '2026-04-24T11:10:00', attrs: { ...conv, 'gen_ai.usage.input_tokens': 400 } });
    // The seed counts tool_output events, so its tool_calls_total is 0 here; an execute_tool span is call and
    // output in one, so it counts 1.
    expect(await rowOf(f)).toMatchObject({ sessions: 1, llm_calls: 1, tokens_prompt: 200, tool_calls: 1, spans: 2 });
  });

  it('test_window_filter_returns_none_when_nothing_in_range: an empty hour is a zero row', async () => {
    const f = new SpanFactory();
    f.span({ op: 'chat', start: '2026-04-24T08:00:00', end: '2026-04-24T08:00:01' });
    expect(await rowOf(f)).toMatchObject({ bucket: '2026-04-24T10', sessions: 0, spans: 0, cache_hit_ratio: 0, failure_rate: 0, time_to_first_action_s_p50: 0 });
  });
});

describe('users (the seed’s `user_id or session_id`)', () => {
  it('a session without a user id, or with an empty one, counts as its own user', async () => {
    // Vector from the seed's own Python: _aggregate([_session_metrics(s) for s in sessions]) over sessions s1
    // (user_id "u1"), s2 (no user_id), s3 (user_id "") and s4 ("u1") gives users 3 (python3, build_kpis.py from
    // /work/shared/seeds/004 re-indented, logic untouched).
    const f = new SpanFactory();
    const user = (id?: string) => (id === undefined ? {} : { 'user.id': id });
    for (const [conversation, id] of [['s1', 'u1'], ['s2', undefined], ['s3', ''], ['s4', 'u1']] as const) {
      f.span({ op: 'invoke_agent', start: '2026-04-24T10:00:00', end: '2026-04-24T10:00:01', attrs: { 'gen_ai.conversation.id': conversation, ...user(id) } });
    }
    expect(await rowOf(f)).toMatchObject({ sessions: 4, users: 3 });
  });
});

describe('the seed’s job and call-to-action columns, from span events', () => {
  /** One turn carrying the given [event, attributes] pairs. */
  function turnWithEvents(f: SpanFactory, events: ReadonlyArray<readonly [string, Record<string, string | number>?]>) {
    const turn = f.start({ op: 'invoke_agent', start: '2026-04-24T10:00:00', attrs: { 'gen_ai.conversation.id': 's1', 'user.id': 'u1' } });
    for (const [name, attrs] of events) turn.addEvent(name, attrs ?? {}, Date.parse('2026-04-24T10:00:01Z'));
    turn.end(Date.parse('2026-04-24T10:05:00Z'));
  }

  it('test_hf_job_gpu_hours: submit + complete a100-large COMPLETED 3600 s', async () => {
    // The seed's vector: submitted 1, succeeded 1, _gpu_hours_by_flavor {"a100-large": 1.0}.
    const f = new SpanFactory();
    turnWithEvents(f, [
      ['openjoules.job.submit', { 'openjoules.job.flavor': 'a100-large', 'openjoules.job.id': 'j1' }],
      ['openjoules.job.complete', { 'openjoules.job.flavor': 'a100-large', 'openjoules.job.status': 'COMPLETED', 'openjoules.job.duration': 3600 }],
    ]);
    expect(await rowOf(f)).toMatchObject({ hf_jobs_submitted: 1, hf_jobs_succeeded: 1, gpu_hours_by_flavor_json: '{"a100-large": 1.0}' });
  });

  it('test_hf_job_blocked_and_pro_clicks_are_counted', async () => {
    // The seed's vector: hf_jobs_blocked 1, pro_cta_clicks 2, _pro_cta_by_source {…upgrade_dialog: 1, claude_cap_dialog: 1}.
    const f = new SpanFactory();
    turnWithEvents(f, [
      ['openjoules.job.blocked'],
      ['openjoules.cta.click', { 'openjoules.cta.source': 'hf_jobs_upgrade_dialog' }],
      ['openjoules.cta.click', { 'openjoules.cta.source': 'claude_cap_dialog' }],
    ]);
    expect(await rowOf(f)).toMatchObject({
      hf_jobs_blocked: 1,
      pro_cta_clicks: 2,
      pro_cta_by_source_json: '{"claude_cap_dialog": 1, "hf_jobs_upgrade_dialog": 1}',
      gpu_hours_by_flavor_json: '{}',
    });
  });

  it('GPUs from openjoules.job.gpu.count, else the seed’s flavour table, else 0; no flavour or source is "unknown"', async () => {
    const f = new SpanFactory();
    turnWithEvents(f, [
      ['openjoules.job.complete', { 'openjoules.job.flavor': 'my-8xh200', 'openjoules.job.gpu.count': 8, 'openjoules.job.status': 'success', 'openjoules.job.duration': 900 }],
      ['openjoules.job.complete', { 'openjoules.job.flavor': 'l4x4', 'openjoules.job.status': 'Succeeded', 'openjoules.job.duration': 450 }],
      ['openjoules.job.complete', { 'openjoules.job.flavor': 'my-cluster', 'openjoules.job.status': 'FAILED', 'openjoules.job.duration': 3600 }],
      ['openjoules.job.complete', { 'openjoules.job.duration': 60 }],
      ['openjoules.cta.click'],
    ]);
    expect(await rowOf(f)).toMatchObject({
      hf_jobs_succeeded: 2,
      gpu_hours_by_flavor_json: '{"l4x4": 0.5, "my-8xh200": 2.0, "my-cluster": 0.0, "unknown": 0.0}',
      pro_cta_by_source_json: '{"unknown": 1}',
    });
  });

  it('a job event with a wrongly typed attribute skips its span whole, with a reason', async () => {
    const f = new SpanFactory();
    turnWithEvents(f, [['openjoules.job.complete', { 'openjoules.job.duration': 'an hour' }]]);
    const issues: string[] = [];
    const [row] = await rollupSpans([f.writeFile()], HOUR, { onIssue: (i) => issues.push(i.reason) });
    expect(row).toMatchObject({ spans: 0, gpu_hours_by_flavor_json: '{}' });
    expect(issues).toEqual([expect.stringMatching(/openjoules\.job\.complete event attribute openjoules\.job\.duration should be a number ≥ 0, got string "an hour"/)]);
  });
});
