// `openjoules rollup` side by side with the seed's own hourly KPI logic in Python (seed_kpis.py), on ONE workload
// written both ways (generate.ts): realistic openjoules OTLP/JSON spans, and the seed's session rows. Per logical
// event (turns + model calls + tool calls + feedback, the same count both ways), in the same run; JSON.parse of the
// span lines is printed as the parse limit. rollup runs on one thread and on worker threads (one per core unless
// OPENJOULES_ROLLUP_THREADS says), both best of `rounds` in this process (warm), the threads' first run (workers
// started, code not yet optimised) apart. Then peak memory and time of rollup in its own process (cold) at two
// workload sizes, on threads and on one, and what each extra session costs (the median of `rounds` runs at each size).
// rollup runs the built code (dist/), as the CLI does: its workers load dist/ (from sources each would start tsx).
//
//   npm run bench:rollup (builds first), or npx tsx bench/rollup/throughput.ts [speed sessions=20000] [memory sessions=20000,60000] [rounds=3]
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { hostSharesFromFiles } from '../../src/analysis/model/host-shares-files.js';
import { readLines } from '../../src/analysis/otlp/read-spans.js';
import type { KpiRow } from '../../src/analysis/rollup/kpi-row.js';
import { rollupThreads } from '../../src/analysis/rollup/parallel-rollup.js';
import { lastCompletedHours } from '../../src/analysis/rollup/windows.js';
import { DAY_START_MS, generateWorkload, type WorkloadMeta } from './generate.js';

/** The generator's day, as 24 hourly buckets (a `--hours 24` backfill). */
const WINDOW = lastCompletedHours(24, DAY_START_MS + 86_400_000);
const SEED_SCRIPT = fileURLToPath(new URL('./seed_kpis.py', import.meta.url));
const DIST_ROLLUP = new URL('../../dist/analysis/rollup/rollup.js', import.meta.url);
if (!existsSync(DIST_ROLLUP)) {
  console.error('bench:rollup: dist/ is not built; run `npm run build` first (`npm run bench:rollup` does)');
  process.exit(1);
}
const { rollupSpans } = (await import(DIST_ROLLUP.href)) as typeof import('../../src/analysis/rollup/rollup.js');

async function workload(sessions: number): Promise<{ dir: string; meta: WorkloadMeta }> {
  const dir = `.cache/bench/rollup/s${sessions}`;
  if (!existsSync(`${dir}/meta.json`)) await generateWorkload(sessions, dir);
  return { dir, meta: JSON.parse(readFileSync(`${dir}/meta.json`, 'utf8')) as WorkloadMeta };
}

async function parseOnly(file: string): Promise<number> {
  let n = 0;
  for await (const { text } of readLines(createReadStream(file, { highWaterMark: 1 << 20 }))) {
    if (JSON.parse(text) !== null) n++;
  }
  return n;
}

/** rollup of one file; `threads` undefined: the default (OPENJOULES_ROLLUP_THREADS, else one per core). */
async function rollupOnly(file: string, threads?: number): Promise<KpiRow[]> {
  let issues = 0;
  const rows = await rollupSpans([file], WINDOW, { onIssue: () => issues++, threads });
  if (issues > 0) throw new Error(`${issues} issues in generated input`);
  return rows;
}

interface SeedRun { seconds: number; maxRssMiB: number; rows: Array<Partial<Record<string, number | string>>> }

function seedPython(file: string): SeedRun {
  const run = spawnSync('python3', [SEED_SCRIPT, file, new Date(DAY_START_MS).toISOString().replace('Z', '+00:00')], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (run.status !== 0) throw new Error(`python3 seed_kpis.py failed: ${run.error?.message ?? run.stderr}`);
  return JSON.parse(run.stdout) as SeedRun;
}

async function time<T>(fn: () => Promise<T> | T): Promise<{ s: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { s: (performance.now() - t0) / 1000, value };
}

/** Both sides count the same model calls, tokens and feedback in every hour (each is bucketed by when it ended). */
function sameWorkload(ours: KpiRow[], seed: SeedRun['rows']): string {
  const columns = ['llm_calls', 'tokens_prompt', 'tokens_completion', 'tokens_cache_read', 'thumbs_up', 'thumbs_down'] as const;
  const diffs: string[] = [];
  for (const row of ours) {
    // Our rows are most recent first (the seed's backfill order); the seed script's are hour 0 to 23.
    const hour = seed[Number(row.bucket.slice(11, 13))]!;
    for (const c of columns) if (row[c] !== (hour[c] ?? 0)) diffs.push(`${row.bucket} ${c}: ours ${row[c]}, seed ${hour[c] ?? 0}`);
  }
  return diffs.length === 0 ? `yes (${columns.join(', ')} equal in all ${ours.length} hours)` : `NO: ${diffs.slice(0, 3).join('; ')}`;
}

/**
 * In a child: run rollup once (`threads` 0: the default), sampling this thread's heap (the workers' heaps are in the
 * RSS), and print its seconds, peak RSS and heap in MiB.
 */
async function child(file: string, threads: number): Promise<void> {
  let heapPeak = 0;
  const sample = (): void => {
    heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
  };
  const timer = setInterval(sample, 20);
  const t0 = performance.now();
  await rollupOnly(file, threads === 0 ? undefined : threads);
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(timer);
  sample();
  console.log(JSON.stringify({ seconds, rssMiB: process.resourceUsage().maxRSS / 1024, heapMiB: heapPeak / 2 ** 20 }));
}

interface ChildRun { seconds: number; rssMiB: number; heapMiB: number }

function measureInChild(file: string, threads: number): ChildRun {
  const self = fileURLToPath(import.meta.url);
  const result = spawnSync(process.execPath, ['--import', 'tsx', self, '--child', file, String(threads)], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`child ${file} failed: ${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').pop()!) as ChildRun;
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en');

async function main(): Promise<void> {
  const speedSessions = Number(process.argv[2] ?? 20_000);
  const memorySessions = (process.argv[3] ?? '20000,60000').split(',').map(Number);
  const rounds = Number(process.argv[4] ?? 3);
  const threads = rollupThreads(undefined);
  const loadBefore = loadavg();
  const { dir, meta } = await workload(speedSessions);
  const spans = `${dir}/spans.jsonl`;

  // Warm the page cache and the JIT, then the best of `rounds` of each, interleaved. The threads' first run starts
  // the workers (kept for the next runs in this process, rollup-workers.ts) and is shown apart.
  await parseOnly(spans);
  const oneThread = await rollupOnly(spans, 1);
  const check = sameWorkload(oneThread, seedPython(`${dir}/sessions.jsonl`).rows);
  const first = await time(() => rollupOnly(spans));
  const same = JSON.stringify(first.value) === JSON.stringify(oneThread) ? 'yes' : 'NO';
  let parseS = Infinity;
  let oneS = Infinity;
  let threadsS = Infinity;
  let seedS = Infinity;
  let sharesS = Infinity;
  let seedRss = 0;
  for (let i = 0; i < rounds; i++) {
    const seed = seedPython(`${dir}/sessions.jsonl`);
    seedS = Math.min(seedS, seed.seconds);
    seedRss = seed.maxRssMiB;
    parseS = Math.min(parseS, (await time(() => parseOnly(spans))).s);
    oneS = Math.min(oneS, (await time(() => rollupOnly(spans, 1))).s);
    threadsS = Math.min(threadsS, (await time(() => rollupOnly(spans))).s);
    // The first pass for shares across processes: rollup takes it only once a span carries device readings (none here).
    sharesS = Math.min(sharesS, (await time(() => hostSharesFromFiles([spans]))).s);
  }
  const loadAfter = loadavg();
  const ev = meta.logicalEvents;
  const row = (what: string, s: number): string => `| ${what} | ${s.toFixed(2)} | ${fmt(ev / s)} | ${(seedS / s).toFixed(2)}× |`;
  console.log(`workload: ${fmt(meta.sessions)} sessions, ${fmt(ev)} logical events (${fmt(meta.turns)} turns, ${fmt(meta.llmCalls)} model calls, ` +
    `${fmt(meta.toolCalls)} tool calls, ${fmt(meta.feedback)} feedback); ${fmt(meta.spans)} spans in ${(meta.spanBytes / 1e6).toFixed(0)} MB, ` +
    `session rows ${(meta.rowBytes / 1e6).toFixed(0)} MB; best of ${rounds}`);
  console.log(`machine: ${availableParallelism()} cores; rollup threads: ${threads}; load average (1, 5, 15 min) before ${loadBefore.map((l) => l.toFixed(2)).join(', ')}, ` +
    `after ${loadAfter.map((l) => l.toFixed(2)).join(', ')}`);
  console.log(`same workload both ways: ${check}; rows on ${threads} threads equal to one thread's: ${same}`);
  console.log('| run | s | logical events/s | ratio to the seed |');
  console.log('|---|---:|---:|---:|');
  console.log(`| seed's KPI logic, Python ${pythonVersion()} (ref; ${seedRss.toFixed(0)} MiB max RSS) | ${seedS.toFixed(2)} | ${fmt(ev / seedS)} | 1.00× |`);
  console.log(row('JSON.parse of the span lines (the parse limit)', parseS));
  console.log(row('openjoules rollup, one thread (24 hourly buckets)', oneS));
  console.log(row(`openjoules rollup, ${threads} threads`, threadsS));
  console.log(row(`openjoules rollup, ${threads} threads, first run (workers started, code not yet optimised)`, first.s));
  console.log(row('not taken here: first pass for shares across processes (only once a span carries device readings; a byte scan without)', sharesS));

  console.log('');
  console.log(`| rollup in its own process (${rounds} runs each) | sessions | spans | threads | s, median (cold) | max RSS MiB, each run | median | peak heap MiB, median |`);
  console.log('|---|---:|---:|---:|---:|---|---:|---:|');
  const slopes: string[] = [];
  for (const mode of [0, 1]) {
    const mem: Array<{ sessions: number; rssMiB: number }> = [];
    for (const sessions of memorySessions) {
      const w = await workload(sessions);
      // Max RSS moves by several MiB from run to run with the collector's timing: the median of a few runs.
      const runs = Array.from({ length: rounds }, () => measureInChild(`${w.dir}/spans.jsonl`, mode));
      const rssMiB = median(runs.map((r) => r.rssMiB));
      mem.push({ sessions, rssMiB });
      console.log(`| rollup | ${fmt(sessions)} | ${fmt(w.meta.spans)} | ${mode === 0 ? threads : 1} | ${median(runs.map((r) => r.seconds)).toFixed(2)} | ` +
        `${runs.map((r) => r.rssMiB.toFixed(0)).join(', ')} | ${rssMiB.toFixed(0)} | ${median(runs.map((r) => r.heapMiB)).toFixed(0)} |`);
    }
    for (let i = 1; i < mem.length; i++) {
      const a = mem[i - 1]!;
      const b = mem[i]!;
      slopes.push(`per extra session on ${mode === 0 ? threads : 1} thread(s), ${fmt(a.sessions)} → ${fmt(b.sessions)}: ${fmt(((b.rssMiB - a.rssMiB) * 2 ** 20) / (b.sessions - a.sessions))} B of max RSS (medians)`);
    }
  }
  for (const line of slopes) console.log(line);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function pythonVersion(): string {
  return spawnSync('python3', ['--version'], { encoding: 'utf8' }).stdout.trim().replace('Python ', '');
}

if (process.argv[2] === '--child') await child(process.argv[3]!, Number(process.argv[4] ?? 0));
else await main();
