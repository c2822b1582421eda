import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand } from 'citty';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import rollup, { type RollupRunResult } from '../../src/analysis/cli/rollup.js';
import { at, SpanFactory, tempDir } from './fixtures.js';

const CSV_HEADER =
  'bucket,sessions,users,turns,llm_calls,tokens_prompt,tokens_completion,tokens_cache_read,tokens_cache_creation,cost_usd,' +
  'cache_hit_ratio,tool_success_rate,failure_rate,regenerate_rate,time_to_first_action_s_p50,time_to_first_action_s_p95,' +
  'thumbs_up,thumbs_down,hf_jobs_submitted,hf_jobs_succeeded,hf_jobs_blocked,pro_cta_clicks,gpu_hours_by_flavor_json,' +
  'pro_cta_by_source_json,spans,tool_calls,energy_joules,energy_gpu_joules,energy_cpu_joules,joules_per_turn,' +
  'output_tokens_per_joule,grid_intensity_g_per_kwh,co2e_g,energy_remote_min_joules,energy_remote_max_joules';

let stderr: string[];
let stdout: string[];
beforeEach(() => {
  stderr = [];
  stdout = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (stderr.push(String(chunk)), true));
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (stdout.push(String(chunk)), true));
});
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

async function run(...rawArgs: string[]): Promise<RollupRunResult> {
  const { result } = await runCommand(rollup, { rawArgs });
  return result as RollupRunResult;
}

/** One conversation in hour 10 of 2026-04-24: a turn with a model call and a tool call. */
function sampleSpans(tokens = 100): SpanFactory {
  const f = new SpanFactory();
  const turn = f.start({ op: 'invoke_agent', start: '2026-04-24T10:00:00', attrs: { 'gen_ai.conversation.id': 'c1', 'user.id': 'u1', 'energy.joules': 36 } });
  f.span({ op: 'chat', parent: turn, start: '2026-04-24T10:00:01', end: '2026-04-24T10:00:02', attrs: { 'gen_ai.usage.input_tokens': tokens, 'gen_ai.usage.output_tokens': 9, 'openjoules.cost.usd': 0.25 } });
  f.span({ op: 'execute_tool', parent: turn, start: '2026-04-24T10:00:03', end: '2026-04-24T10:00:04' });
  turn.end(Date.parse('2026-04-24T10:00:05Z'));
  return f;
}

describe('openjoules rollup (CLI)', () => {
  it('writes <out>/hourly/YYYY-MM-DD/HH.csv with the exact header, bucket first, and exits 0', async () => {
    const out = tempDir();
    const result = await run('--input', sampleSpans().writeFile(), '--out', out, '--datetime', '2026-04-24T10');
    expect(result).toMatchObject({ exitCode: 0, skipped: 0 });
    expect(process.exitCode).toBe(0);
    const path = join(out, 'hourly', '2026-04-24', '10.csv');
    expect(stdout.join('')).toBe(`${path}\n`);
    expect(readFileSync(path, 'utf8')).toBe(
      `${CSV_HEADER}\n2026-04-24T10,1,1,1,1,100,9,0,0,0.25,0.0,1.0,0.0,0.0,3.0,3.0,0,0,0,0,0,0,{},{},3,1,36.0,0.0,0.0,36.0,0.25,,,0.0,0.0\n`,
    );
    expect(stderr.join('')).toBe('openjoules rollup: 1 file(s), 3 span(s) in window, 0 bad input(s) skipped\n');
  });

  it('sums the hosted-API estimate in its own column pair, each call once, and never into the measured energy columns', async () => {
    const f = sampleSpans();
    const identity = { 'gen_ai.conversation.id': 'c2' };
    const turn = f.start({ op: 'invoke_agent', start: '2026-04-24T10:10:00', attrs: { ...identity, 'energy.joules': 10 } });
    // A wrapper around the provider's span (one call, both estimated: the deepest counts), a second call with only
    // a middle value (its bounds are that value), and a call without an estimate.
    const wrapper = f.start({ op: 'chat', parent: turn, start: '2026-04-24T10:10:01', attrs: { 'energy.remote.joules': 999, 'energy.remote.min_joules': 900, 'energy.remote.max_joules': 1100 } });
    const remote = { 'energy.remote.joules': 150, 'energy.remote.min_joules': 100, 'energy.remote.max_joules': 200, 'energy.remote.method': 'ecologits' };
    f.span({ op: 'chat', parent: wrapper, start: '2026-04-24T10:10:01', end: '2026-04-24T10:10:02', attrs: { 'gen_ai.usage.output_tokens': 40, ...remote } });
    wrapper.end(at('2026-04-24T10:10:02'));
    f.span({ op: 'chat', parent: turn, start: '2026-04-24T10:10:03', end: '2026-04-24T10:10:04', attrs: { 'energy.remote.joules': 25.5 } });
    f.span({ op: 'chat', parent: turn, start: '2026-04-24T10:10:05', end: '2026-04-24T10:10:06' });
    turn.end(at('2026-04-24T10:10:07'));
    const out = tempDir();
    const result = await run('--input', f.writeFile(), '--out', out, '--datetime', '2026-04-24T10', '--format', 'json');
    expect(result).toMatchObject({ exitCode: 0, skipped: 0 });
    const row = JSON.parse(readFileSync(join(out, 'hourly', '2026-04-24', '10.json'), 'utf8')) as Record<string, unknown>;
    expect(row).toMatchObject({ llm_calls: 4, energy_joules: 46, energy_remote_min_joules: 125.5, energy_remote_max_joules: 225.5 });
    expect(Object.keys(row).slice(-2)).toEqual(['energy_remote_min_joules', 'energy_remote_max_joules']);
    // The same spans with every energy.remote.* attribute removed: every other column as it was, the pair 0.
    const stripped = join(tempDir(), 'stripped.jsonl');
    writeFileSync(stripped, f.jsonl().replace(/\{"key":"energy\.remote\.[a-z_]+","value":\{[^}]*\}\},?/g, '').replace(/,\]/g, ']'));
    const plainOut = tempDir();
    expect(await run('--input', stripped, '--out', plainOut, '--datetime', '2026-04-24T10', '--format', 'json')).toMatchObject({ exitCode: 0 });
    const plain = JSON.parse(readFileSync(join(plainOut, 'hourly', '2026-04-24', '10.json'), 'utf8')) as Record<string, unknown>;
    expect(plain).toEqual({ ...row, energy_remote_min_joules: 0, energy_remote_max_joules: 0 });
    // A wrong-typed estimate skips its span, as any wrong-typed energy attribute does.
    const bad = new SpanFactory();
    bad.span({ op: 'chat', start: '2026-04-24T10:10:00', end: '2026-04-24T10:10:01', attrs: { 'energy.remote.min_joules': 'lots' } });
    stderr.length = 0;
    expect(await run('--input', bad.writeFile(), '--out', tempDir(), '--datetime', '2026-04-24T10')).toMatchObject({ exitCode: 1, skipped: 1 });
    expect(stderr.join('')).toMatch(/attribute energy\.remote\.min_joules should be a number ≥ 0, got string "lots"/);
  });

  it('re-running overwrites the same files (idempotent), leaving no temp files', async () => {
    const out = tempDir();
    const input = tempDir();
    writeFileSync(join(input, 'a.jsonl'), sampleSpans(100).jsonl());
    await run('--input', input, '--out', out, '--datetime', '2026-04-24T10', '--format', 'json');
    const path = join(out, 'hourly', '2026-04-24', '10.json');
    const first = readFileSync(path, 'utf8');
    await run('--input', input, '--out', out, '--datetime', '2026-04-24T10', '--format', 'json');
    expect(readFileSync(path, 'utf8')).toBe(first);
    writeFileSync(join(input, 'a.jsonl'), sampleSpans(7).jsonl());
    await run('--input', input, '--out', out, '--datetime', '2026-04-24T10', '--format', 'json');
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ bucket: '2026-04-24T10', tokens_prompt: 7, co2e_g: null });
    expect(readdirSync(join(out, 'hourly', '2026-04-24'))).toEqual(['10.json']);
  });

  it('reads every --input, and --daily writes daily/YYYY-MM-DD.<ext>; the env var sets the grid intensity', async () => {
    const out = tempDir();
    vi.stubEnv('OPENJOULES_GRID_INTENSITY', '400');
    try {
      await run('--input', sampleSpans().writeFile(), '-i', sampleSpans().writeFile(), '--out', out, '--daily', '2026-04-24', '--format', 'json');
    } finally {
      vi.unstubAllEnvs();
    }
    const row = JSON.parse(readFileSync(join(out, 'daily', '2026-04-24.json'), 'utf8'));
    expect(row).toMatchObject({ bucket: '2026-04-24', sessions: 1, turns: 2, energy_joules: 72, grid_intensity_g_per_kwh: 400, co2e_g: 0.008 });
  });

  it("--daily-backfill YYYY-MM-DD is the seed's name for --daily (it was read as an input path)", async () => {
    const out = tempDir();
    const result = await run('--input', sampleSpans().writeFile(), '--out', out, '--daily-backfill', '2026-04-24', '--format', 'json');
    expect(result).toMatchObject({ exitCode: 0, skipped: 0 });
    expect(JSON.parse(readFileSync(join(out, 'daily', '2026-04-24.json'), 'utf8'))).toMatchObject({ bucket: '2026-04-24', sessions: 1 });
    expect((await run('--input', sampleSpans().writeFile(), '--daily', '2026-04-24', '--daily-backfill', '2026-04-24')).exitCode).toBe(2);
    expect(stderr.join('')).toMatch(/give one of --daily, --daily-backfill/);
  });

  it('reports bad lines and spans with file:line, skips them, keeps the rest, and exits 1', async () => {
    const good = sampleSpans().jsonl(1).trimEnd().split('\n');
    const bad = new SpanFactory();
    bad.span({ op: 'chat', start: '2026-04-24T10:10:00', end: '2026-04-24T10:10:01', attrs: { 'gen_ai.usage.input_tokens': 'lots' } });
    bad.span({ op: 'chat', start: '2026-04-24T10:10:00', end: '2026-04-24T10:10:01', attrs: { 'energy.joule': 3 } });
    const [wrongType, unknownAttr] = bad.jsonl(1).trimEnd().split('\n');
    const missingTime = JSON.parse(good[0]!);
    delete missingTime.resourceSpans[0].scopeSpans[0].spans[0].endTimeUnixNano;
    const lines = [good[0], '{"resourceSpans": [', wrongType, JSON.stringify(missingTime), unknownAttr, good[1], good[2]!.slice(0, 80)];
    const file = join(tempDir(), 'bad.jsonl');
    writeFileSync(file, lines.join('\n')); // no final newline: the file was cut short while being written
    const out = tempDir();

    const result = await run('--input', file, '--out', out, '--datetime', '2026-04-24T10');
    expect(result).toMatchObject({ exitCode: 1, skipped: 5 });
    expect(process.exitCode).toBe(1);
    const messages = stderr.join('').trimEnd().split('\n');
    expect(messages).toEqual([
      expect.stringMatching(new RegExp(`^${file}:2: malformed JSON`)),
      expect.stringMatching(new RegExp(`^${file}:3: span "chat" \\([0-9a-f]{16}\\): attribute gen_ai.usage.input_tokens should be an integer ≥ 0, got string "lots"$`)),
      expect.stringMatching(new RegExp(`^${file}:4: span "chat" \\([0-9a-f]{16}\\): missing or invalid endTimeUnixNano$`)),
      expect.stringMatching(new RegExp(`^${file}:5: span "chat" \\([0-9a-f]{16}\\): unknown attribute energy.joule `)),
      expect.stringMatching(new RegExp(`^${file}:7: malformed JSON`)),
      'openjoules rollup: 1 file(s), 2 span(s) in window, 5 bad input(s) skipped (see above)',
    ]);
    const [, values] = readFileSync(join(out, 'hourly', '2026-04-24', '10.csv'), 'utf8').split('\n');
    // Lines 1 and 6 are the chat and tool spans; nothing valid is lost. Their session has no user id, so it counts
    // as its own user (the seed's `user_id or session_id`).
    expect(values!.split(',').slice(0, 6)).toEqual(['2026-04-24T10', '1', '1', '0', '1', '100']);
  });

  it('--strict stops at the first bad input with exit 2 and writes nothing', async () => {
    const file = join(tempDir(), 'bad.jsonl');
    writeFileSync(file, `${sampleSpans().jsonl()}{oops\n`);
    const out = join(tempDir(), 'kpis');
    const result = await run('--input', file, '--out', out, '--datetime', '2026-04-24T10', '--strict');
    expect(result).toMatchObject({ exitCode: 2, written: [] });
    expect(process.exitCode).toBe(2);
    expect(stderr.join('')).toMatch(new RegExp(`^openjoules rollup: ${file}:2: malformed JSON .*--strict: stopped, nothing written\\)\\n$`));
    expect(existsSync(out)).toBe(false);
  });

  it.each([
    [['--hours', '0']],
    [['--hours', '2', '--daily', '2026-04-24']],
    [['--datetime', 'yesterday']],
    [['--grid-intensity', 'lots']],
    [['--threads', '0']],
    [['--threads', 'two']],
  ])('exits 2 on a bad flag: %j', async (flags) => {
    const result = await run('--input', sampleSpans().writeFile(), '--out', tempDir(), ...flags);
    expect(result.exitCode).toBe(2);
    expect(stderr.join('')).toMatch(/^openjoules rollup: /);
  });

  it('reads the thread count from OPENJOULES_ROLLUP_THREADS, naming it when it is bad; --threads wins', async () => {
    vi.stubEnv('OPENJOULES_ROLLUP_THREADS', '1.5');
    try {
      const bad = await run('--input', sampleSpans().writeFile(), '--out', tempDir(), '--datetime', '2026-04-24T10');
      expect(bad.exitCode).toBe(2);
      expect(stderr.join('')).toBe('openjoules rollup: OPENJOULES_ROLLUP_THREADS must be a whole number ≥ 1 (threads to read files with), got "1.5"\n');
      const flag = await run('--input', sampleSpans().writeFile(), '--out', tempDir(), '--datetime', '2026-04-24T10', '--threads', '2');
      expect(flag).toMatchObject({ exitCode: 0, skipped: 0 });
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('exits 2 when an input does not exist', async () => {
    const result = await run('--input', join(tempDir(), 'missing.jsonl'), '--out', tempDir(), '--datetime', '2026-04-24T10');
    expect(result.exitCode).toBe(2);
    expect(stderr.join('')).toMatch(/cannot read input: ENOENT/);
  });

  it('writes Parquet that pyarrow reads back with the same columns, types and values', async (ctx) => {
    const probe = spawnSync('python3', ['-c', 'import pyarrow'], { encoding: 'utf8' });
    if (probe.status !== 0) {
      const why = probe.error ? `python3 not runnable (${probe.error.message})` : `pyarrow not importable (${probe.stderr.trim().split('\n').pop()})`;
      console.warn(`SKIPPED parquet read-back: ${why}; install with \`pip install pyarrow\``);
      ctx.skip(why);
    }
    const out = tempDir();
    await run('--input', sampleSpans().writeFile(), '--out', out, '--datetime', '2026-04-24T10', '--format', 'parquet', '--grid-intensity', '400');
    const path = join(out, 'hourly', '2026-04-24', '10.parquet');
    const script = 'import sys, json, pyarrow.parquet as pq\nt = pq.read_table(sys.argv[1])\n' +
      'print(json.dumps({"schema": [[f.name, str(f.type)] for f in t.schema], "rows": t.to_pylist()}))';
    const read = spawnSync('python3', ['-c', script, path], { encoding: 'utf8' });
    expect(read.stderr).toBe('');
    const { schema, rows } = JSON.parse(read.stdout) as { schema: [string, string][]; rows: Record<string, unknown>[] };
    expect(schema.map(([name]) => name).join(',')).toBe(CSV_HEADER);
    expect(Object.fromEntries(schema)).toMatchObject({ bucket: 'string', sessions: 'int64', cost_usd: 'double', co2e_g: 'double', energy_remote_min_joules: 'double', energy_remote_max_joules: 'double' });
    expect(rows).toEqual([expect.objectContaining({ bucket: '2026-04-24T10', sessions: 1, tokens_prompt: 100, cost_usd: 0.25, energy_joules: 36, co2e_g: 0.004 })]);
  });
});
