// The seed's hourly KPI script (ml-intern scripts/build_kpis.py, /work/shared/seeds/004) run on sessions, and
// `openjoules rollup` run on the same activity as spans: the seed's columns must come out byte for byte.
//
// How the expected CSVs were produced: the seed's script, re-indented from the seed document with its logic
// untouched, was run with python3 through its own main() against a stand-in huggingface_hub serving a local folder
// of session files (sessions/2026-04-24/<id>.jsonl, as its uploader writes them) and capturing upload_file:
//   build_kpis.py --daily-backfill 2026-04-24   -> daily/2026-04-24.csv   (DAILY below)
//   build_kpis.py --datetime 2026-04-24T10      -> hourly/2026-04-24/10.csv (HOUR_10 below)
//   build_kpis.py --datetime 2026-04-24T13      -> nothing uploaded; logs "No sessions in window … — skipping"
// The sessions: sess-a (user u1, start 09:59:00, 2 user messages) with an llm_call (1000/250 tokens, cache read 3000,
// creation 200, $0.015625), tool_call bash 10:00:05 + tool_output success, feedback up, hf_job_submit a100x4,
// hf_job_complete a100x4 COMPLETED 1800 s, hf_job_submit t4-small, hf_job_complete t4-small ERROR 900 s,
// jobs_access_blocked, pro_cta_click hf_jobs_upgrade_dialog and one with no source; sess-b (no user id, start
// 11:10:00, 1 message) with an llm_call (31/7, $0.015625), tool_call read 11:10:32 + tool_output failure, error,
// undo_complete, feedback down, pro_cta_click claude_cap_dialog, hf_job_complete l4x4 succeeded 450 s; and 30
// sessions sess-q00..29 (users u0..u2, 12:00:00) with one message and one llm_call (10/1).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Span } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/analysis/cli/run-cli.js';
import { at, SpanFactory, tempDir } from './fixtures.js';
import { captureIo } from '../helpers/capture-io.js';

const SEED_HEADER =
  'bucket,sessions,users,turns,llm_calls,tokens_prompt,tokens_completion,tokens_cache_read,tokens_cache_creation,cost_usd,' +
  'cache_hit_ratio,tool_success_rate,failure_rate,regenerate_rate,time_to_first_action_s_p50,time_to_first_action_s_p95,' +
  'thumbs_up,thumbs_down,hf_jobs_submitted,hf_jobs_succeeded,hf_jobs_blocked,pro_cta_clicks,gpu_hours_by_flavor_json,' +
  'pro_cta_by_source_json';
const DAILY =
  '2026-04-24,32,4,33,32,1331,287,3000,200,0.0312,0.6927,0.5,0.0312,0.0312,48.5,63.35,1,1,2,2,1,3,' +
  '"{""a100x4"": 2.0, ""l4x4"": 0.5, ""t4-small"": 0.25}","{""claude_cap_dialog"": 1, ""hf_jobs_upgrade_dialog"": 1, ""unknown"": 1}"';
const HOUR_10 =
  '2026-04-24T10,1,1,2,1,1000,250,3000,200,0.0156,0.75,1.0,0.0,0.0,65.0,65.0,1,0,2,1,1,2,' +
  '"{""a100x4"": 2.0, ""t4-small"": 0.25}","{""hf_jobs_upgrade_dialog"": 1, ""unknown"": 1}"';

const T = (hms: string): string => `2026-04-24T${hms}`;

/** The seed's sessions as spans: a user message is an invoke_agent turn, an event a span or a span event. */
function seedActivityAsSpans(): SpanFactory {
  const f = new SpanFactory();
  const event = (span: Span, name: string, hms: string, attrs = {}): void => void span.addEvent(name, attrs, at(T(hms)));
  const a = { 'gen_ai.conversation.id': 'sess-a', 'user.id': 'u1' };
  const turn1 = f.start({ op: 'invoke_agent', start: T('09:59:00'), attrs: a });
  f.span({ op: 'chat', parent: turn1, start: T('10:00:00'), end: T('10:00:01'), attrs: {
    'gen_ai.usage.input_tokens': 1000, 'gen_ai.usage.output_tokens': 250, 'gen_ai.usage.cache_read.input_tokens': 3000,
    'gen_ai.usage.cache_creation.input_tokens': 200, 'openjoules.cost.usd': 0.015625 } });
  f.span({ op: 'execute_tool', parent: turn1, start: T('10:00:05'), end: T('10:00:06') });
  event(turn1, 'openjoules.feedback', '10:00:07', { 'openjoules.feedback.rating': 'up' });
  turn1.end(at(T('10:00:07')));
  const turn2 = f.start({ op: 'invoke_agent', start: T('10:00:08'), attrs: a });
  event(turn2, 'openjoules.job.submit', '10:00:08', { 'openjoules.job.flavor': 'a100x4', 'openjoules.job.id': 'j1' });
  event(turn2, 'openjoules.job.complete', '10:30:00', { 'openjoules.job.flavor': 'a100x4', 'openjoules.job.status': 'COMPLETED', 'openjoules.job.duration': 1800 });
  event(turn2, 'openjoules.job.submit', '10:30:08', { 'openjoules.job.flavor': 't4-small', 'openjoules.job.id': 'j2' });
  event(turn2, 'openjoules.job.complete', '10:45:00', { 'openjoules.job.flavor': 't4-small', 'openjoules.job.status': 'ERROR', 'openjoules.job.duration': 900 });
  event(turn2, 'openjoules.job.blocked', '10:46:00');
  event(turn2, 'openjoules.cta.click', '10:46:01', { 'openjoules.cta.source': 'hf_jobs_upgrade_dialog' });
  event(turn2, 'openjoules.cta.click', '10:46:02');
  turn2.end(at(T('10:46:02')));

  // No user id: the session counts as its own user. The error event is the turn failing; undo is a regenerated turn.
  const b = f.start({ op: 'invoke_agent', start: T('11:10:00'), attrs: { 'gen_ai.conversation.id': 'sess-b', 'openjoules.turn.regenerated': true } });
  f.span({ op: 'chat', parent: b, start: T('11:10:01'), end: T('11:10:02'), attrs: {
    'gen_ai.usage.input_tokens': 31, 'gen_ai.usage.output_tokens': 7, 'openjoules.cost.usd': 0.015625 } });
  f.span({ op: 'execute_tool', parent: b, start: T('11:10:32'), end: T('11:10:33'), error: true });
  event(b, 'openjoules.feedback', '11:10:36', { 'openjoules.feedback.rating': 'down' });
  event(b, 'openjoules.cta.click', '11:10:37', { 'openjoules.cta.source': 'claude_cap_dialog' });
  event(b, 'openjoules.job.complete', '11:20:00', { 'openjoules.job.flavor': 'l4x4', 'openjoules.job.status': 'succeeded', 'openjoules.job.duration': 450 });
  b.setStatus({ code: 2, message: 'boom' });
  b.end(at(T('11:20:00')));

  for (let i = 0; i < 30; i++) {
    const q = f.start({ op: 'invoke_agent', start: T('12:00:00'), attrs: { 'gen_ai.conversation.id': `sess-q${String(i).padStart(2, '0')}`, 'user.id': `u${i % 3}` } });
    f.span({ op: 'chat', parent: q, start: T('12:00:01'), end: T('12:00:02'), attrs: { 'gen_ai.usage.input_tokens': 10, 'gen_ai.usage.output_tokens': 1 } });
    q.end(at(T('12:00:02')));
  }
  return f;
}

async function rollup(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const { stdout, stderr, out: outOf, err: errOf } = captureIo();
  const code = await runCli(['rollup', ...args], { stdout, stderr });
  return { code, out: outOf(), err: errOf() };
}

/** The seed's columns of one of our CSV files: our header and row must start with the seed's. */
function seedPrefix(path: string): [string, string] {
  const [header, row] = readFileSync(path, 'utf8').split('\n') as [string, string];
  expect(header.startsWith(`${SEED_HEADER},`)).toBe(true);
  return [header.slice(0, SEED_HEADER.length), row];
}

describe("rollup reproduces the seed's KPI script", () => {
  it('--daily-backfill YYYY-MM-DD is the seed’s whole-day run: daily/YYYY-MM-DD.csv, the seed’s columns byte for byte', async () => {
    const out = tempDir();
    const { code } = await rollup('--input', seedActivityAsSpans().writeFile(), '--out', out, '--daily-backfill', '2026-04-24');
    expect(code).toBe(0);
    const [header, row] = seedPrefix(join(out, 'daily', '2026-04-24.csv'));
    expect(header).toBe(SEED_HEADER);
    expect(row.startsWith(`${DAILY},`)).toBe(true);
  });

  it('one hour (--datetime) gives the seed’s hourly row', async () => {
    const out = tempDir();
    await rollup('--input', seedActivityAsSpans().writeFile(), '--out', out, '--datetime', '2026-04-24T10');
    const [, row] = seedPrefix(join(out, 'hourly', '2026-04-24', '10.csv'));
    expect(row.startsWith(`${HOUR_10},`)).toBe(true);
  });

  it('an hour with no spans is skipped like the seed skips it: an existing file is kept, and one line says so', async () => {
    const out = tempDir();
    const input = seedActivityAsSpans().writeFile();
    await rollup('--input', input, '--out', out, '--datetime', '2026-04-24T10');
    const path = join(out, 'hourly', '2026-04-24', '10.csv');
    const good = readFileSync(path, 'utf8');
    // A re-run over inputs that no longer hold hour 10 (rotated away), and an hour that never had spans.
    const later = new SpanFactory();
    later.span({ op: 'chat', start: T('12:30:00'), end: T('12:30:01'), attrs: { 'gen_ai.conversation.id': 'z' } });
    const { code, out: written, err } = await rollup('--input', later.writeFile(), '--out', out, '--hours', '4');
    expect(code).toBe(0);
    expect(readFileSync(path, 'utf8')).toBe(good);
    expect(existsSync(join(out, 'hourly', '2026-04-24', '13.csv'))).toBe(false);
    // --hours counts back from now, so the empty buckets are whichever four hours precede it.
    expect(written).toBe('');
    expect(err.split('\n').filter((l) => l.includes('no spans in'))).toHaveLength(1);
    expect(err).toMatch(/^openjoules rollup: no spans in \d{4}-\d{2}-\d{2}T\d{2}, .*; nothing written there \(existing files kept\)$/m);
  });

  it('names at most five empty buckets in its line', async () => {
    const { err } = await rollup('--input', seedActivityAsSpans().writeFile(), '--out', tempDir(), '--hours', '8');
    expect(err).toMatch(/no spans in (\S+, ){4}\S+ and 3 more; nothing written there/);
  });
});
