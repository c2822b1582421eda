// `openjoules stats --since/--until/--exclude-warmup`: the seed aggregator's since/until (on the call's start time,
// both ends inclusive) and exclude_warmup, over the persistent store.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runStats, STATS_EXIT, type StatsArgs } from '../../src/analysis/cli/stats.js';
import { parseTimeArg, TimeArgError } from '../../src/analysis/cli/time-arg.js';
import { agent, BASE_MS, chat, tempDir, writeSpansFile } from './fixtures.js';
import { captureIo } from '../helpers/capture-io.js';

const MINUTE = 60_000;
/** Ten 1 s llama calls one minute apart from BASE_MS; the eighth is flagged as warmup. */
const calls = Array.from({ length: 10 }, (_, i) =>
  chat('llama-3.1-8b', i * MINUTE, i * MINUTE + 1000, 100, 50, { 'energy.joules': 10, ...(i === 7 ? { 'openjoules.warmup': true } : {}) }),
);
const iso = (ms: number): string => new Date(ms).toISOString();

async function stats(args: Partial<StatsArgs>): Promise<{ code: number; json: { groups: Array<{ call_count: number }>; since: number | null; until: number | null; warmup_excluded: number }; err: string }> {
  const dir = tempDir();
  const input = writeSpansFile(dir, 's.jsonl', [agent(0, 10 * MINUTE, {}, calls)]);
  const { stdout, stderr, out: outOf, err: errOf } = captureIo();
  const code = await runStats({ inputs: [input], store: join(dir, 't.db'), json: true, nowMs: BASE_MS + 10 * MINUTE, ...args }, { stdout, stderr });
  return { code, json: outOf() === '' ? ({} as never) : JSON.parse(outOf()), err: errOf() };
}

describe('stats --since / --until', () => {
  it.each([
    ['ISO --since (inclusive)', { since: iso(BASE_MS + 3 * MINUTE) }, 7],
    ['ISO --until (inclusive)', { until: iso(BASE_MS + 6 * MINUTE) }, 7],
    ['both', { since: iso(BASE_MS + 3 * MINUTE), until: iso(BASE_MS + 6 * MINUTE) }, 4],
    ['a duration back from now', { since: '5m' }, 5],
    ['a sum of durations', { since: '1h', until: '4m30s' }, 6],
    ['unix seconds, as the seed takes them', { since: String((BASE_MS + 8 * MINUTE) / 1000) }, 2],
  ])('%s', async (_, args, expected) => {
    const { code, json } = await stats(args);
    expect(code).toBe(STATS_EXIT.OK);
    expect(json.groups[0]?.call_count ?? 0).toBe(expected);
  });

  it('reports the window in the JSON, in unix seconds', async () => {
    const { json } = await stats({ since: iso(BASE_MS), until: '0s' });
    expect(json).toMatchObject({ since: BASE_MS / 1000, until: (BASE_MS + 10 * MINUTE) / 1000 });
  });

  it.each([
    [{ since: 'yesterday' }, /--since must be an ISO time/],
    [{ until: '2026-02-30' }, /--until must be an ISO time/],
    [{ since: '2m', until: '5m' }, /--since \(2m\) is after --until \(5m\)/],
  ])('a time it cannot read is a usage error (exit 2): %j', async (args, message) => {
    const { code, err } = await stats(args);
    expect(code).toBe(STATS_EXIT.FAILED);
    expect(err).toMatch(message);
  });
});

describe('stats --exclude-warmup', () => {
  it("leaves out the steady-state detector's warmup (the first 5 calls per model) and calls flagged openjoules.warmup", async () => {
    const { json } = await stats({ excludeWarmup: true });
    expect(json).toMatchObject({ warmup: 5, warmup_excluded: 6 });
    expect(json.groups[0]!.call_count).toBe(4);
  });

  it('with --warmup N, N is the warmup', async () => {
    const { json } = await stats({ excludeWarmup: true, warmup: '2' });
    expect(json.groups[0]!.call_count).toBe(7);
  });

  it('counts the warmup within the time window: its first calls are its warmup', async () => {
    const { json } = await stats({ excludeWarmup: true, since: iso(BASE_MS + 2 * MINUTE) });
    // Calls 2..9 are in the window; 2..6 are its warmup, 7 is flagged: 8 and 9 remain.
    expect(json.groups[0]!.call_count).toBe(2);
  });
});

describe('parseTimeArg', () => {
  const now = Date.parse('2026-04-24T12:00:00Z');
  it.each([
    ['2026-04-24', Date.parse('2026-04-24T00:00:00Z')],
    ['2026-04-24T10', Date.parse('2026-04-24T10:00:00Z')],
    ['2026-04-24T10:30', Date.parse('2026-04-24T10:30:00Z')],
    ['2026-04-24T10:30:00.250', Date.parse('2026-04-24T10:30:00.250Z')],
    ['2026-04-24T10:30:00+02:00', Date.parse('2026-04-24T08:30:00Z')],
    ['90s', now - 90_000],
    ['1h30m', now - 5_400_000],
    ['2d', now - 2 * 86_400_000],
    ['1777024800', 1_777_024_800_000],
  ])('%s', (text, ms) => {
    expect(parseTimeArg('--since', text, now)).toBe(ms / 1000);
  });

  it.each(['', 'soon', '2026-13-01', '2026-04-31', '5 minutes', '-3h'])('refuses %j', (text) => {
    expect(() => parseTimeArg('--since', text, now)).toThrow(TimeArgError);
  });
});
