// `openjoules rollup` side by side with the seed's own hourly KPI logic in Python (seed_kpis.py), on ONE workload
// written both ways (generate.ts): realistic openjoules OTLP/JSON spans, and the seed's session rows. Per logical
// event (turns + model calls + tool calls + feedback, the same count both ways), in the same run; JSON.parse of the
// span lines is printed as the parse limit. Then peak memory of rollup in its own process at two workload sizes, and
// what each extra session costs (the median of `rounds` runs at each size).
//
//   npx tsx bench/rollup/throughput.ts [speed sessions=20000] [memory sessions=20000,60000] [rounds=3]
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { hostSharesFromFiles } from '../../src/analysis/model/host-shares-files.js';
import { readLines } from '../../src/analysis/otlp/read-spans.js';
import type { KpiRow } from '../../src/analysis/rollup/kpi-row.js';
import { rollupSpans } from '../../src/analysis/rollup/rollup.js';
import { lastCompletedHours } from '../../src/analysis/rollup/windows.js';
import { DAY_START_MS, generateWorkload, type WorkloadMeta } from './generate.js';

/** The generator's day, as 24 hourly buckets (a `--hours 24` backfill). */
const WINDOW = lastCompletedHours(24, DAY_START_MS + 86_400_000);
const SEED_SCRIPT = fileURLToPath(new URL('./seed_kpis.py', import.meta.url));

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

async function rollupOnly(file: string): Promise<KpiRow[]> {
  let issues = 0;
  const rows = await rollupSpans([file], WINDOW, { onIssue: () => issues++ });
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

/** In a child: run rollup once, sampling the heap, and print peak RSS / heap in MiB. */
async function child(file: string): Promise<void> {
  let heapPeak = 0;
  const sample = (): void => {
    heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
  };
  const timer = setInterval(sample, 20);
  await rollupOnly(file);
  clearInterval(timer);
  sample();
  console.log(JSON.stringify({ rssMiB: process.resourceUsage().maxRSS / 1024, heapMiB: heapPeak / 2 ** 20 }));
}

function measureInChild(file: string): { rssMiB: number; heapMiB: number } {
  const self = fileURLToPath(import.meta.url);
  const result = spawnSync(process.execPath, ['--import', 'tsx', self, '--child', file], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`child ${file} failed: ${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').pop()!) as { rssMiB: number; heapMiB: number };
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en');

async function main(): Promise<void> {
  const speedSessions = Number(process.argv[2] ?? 20_000);
  const memorySessions = (process.argv[3] ?? '20000,60000').split(',').map(Number);
  const rounds = Number(process.argv[4] ?? 3);
  const { dir, meta } = await workload(speedSessions);
  const spans = `${dir}/spans.jsonl`;

  // Warm the page cache and the JIT, then the best of `rounds` of each, interleaved.
  await parseOnly(spans);
  const check = sameWorkload(await rollupOnly(spans), seedPython(`${dir}/sessions.jsonl`).rows);
  let parseS = Infinity;
  let rollupS = Infinity;
  let seedS = Infinity;
  let sharesS = Infinity;
  let seedRss = 0;
  for (let i = 0; i < rounds; i++) {
    const seed = seedPython(`${dir}/sessions.jsonl`);
    seedS = Math.min(seedS, seed.seconds);
    seedRss = seed.maxRssMiB;
    parseS = Math.min(parseS, (await time(() => parseOnly(spans))).s);
    rollupS = Math.min(rollupS, (await time(() => rollupOnly(spans))).s);
    // The first pass for shares across processes: rollup takes it only once a span carries device readings (none here).
    sharesS = Math.min(sharesS, (await time(() => hostSharesFromFiles([spans]))).s);
  }
  const ev = meta.logicalEvents;
  console.log(`workload: ${fmt(meta.sessions)} sessions, ${fmt(ev)} logical events (${fmt(meta.turns)} turns, ${fmt(meta.llmCalls)} model calls, ` +
    `${fmt(meta.toolCalls)} tool calls, ${fmt(meta.feedback)} feedback); ${fmt(meta.spans)} spans in ${(meta.spanBytes / 1e6).toFixed(0)} MB, ` +
    `session rows ${(meta.rowBytes / 1e6).toFixed(0)} MB; best of ${rounds}`);
  console.log(`same workload both ways: ${check}`);
  console.log('| run | s | logical events/s | ratio to the seed |');
  console.log('|---|---:|---:|---:|');
  console.log(`| seed's KPI logic, Python ${pythonVersion()} (ref; ${seedRss.toFixed(0)} MiB max RSS) | ${seedS.toFixed(2)} | ${fmt(ev / seedS)} | 1.00× |`);
  console.log(`| JSON.parse of the span lines (the parse limit) | ${parseS.toFixed(2)} | ${fmt(ev / parseS)} | ${(seedS / parseS).toFixed(2)}× |`);
  console.log(`| openjoules rollup (24 hourly buckets) | ${rollupS.toFixed(2)} | ${fmt(ev / rollupS)} | ${(seedS / rollupS).toFixed(2)}× |`);
  console.log(`| not taken here: first pass for shares across processes (only once a span carries device readings; a byte scan without) | ${sharesS.toFixed(2)} | ${fmt(ev / sharesS)} | ${(seedS / sharesS).toFixed(2)}× |`);

  console.log('');
  console.log(`| rollup in its own process (${rounds} runs each) | sessions | spans | max RSS MiB, each run | median | peak heap MiB, median |`);
  console.log('|---|---:|---:|---|---:|---:|');
  const mem: Array<{ sessions: number; rssMiB: number }> = [];
  for (const sessions of memorySessions) {
    const w = await workload(sessions);
    // Max RSS moves by several MiB from run to run with the collector's timing: the median of a few runs.
    const runs = Array.from({ length: rounds }, () => measureInChild(`${w.dir}/spans.jsonl`));
    const rssMiB = median(runs.map((r) => r.rssMiB));
    mem.push({ sessions, rssMiB });
    console.log(`| rollup | ${fmt(sessions)} | ${fmt(w.meta.spans)} | ${runs.map((r) => r.rssMiB.toFixed(0)).join(', ')} | ${rssMiB.toFixed(0)} | ${median(runs.map((r) => r.heapMiB)).toFixed(0)} |`);
  }
  for (let i = 1; i < mem.length; i++) {
    const a = mem[i - 1]!;
    const b = mem[i]!;
    console.log(`per extra session, ${fmt(a.sessions)} → ${fmt(b.sessions)}: ${fmt(((b.rssMiB - a.rssMiB) * 2 ** 20) / (b.sessions - a.sessions))} B of max RSS (medians)`);
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function pythonVersion(): string {
  return spawnSync('python3', ['--version'], { encoding: 'utf8' }).stdout.trim().replace('Python ', '');
}

if (process.argv[2] === '--child') await child(process.argv[3]!);
else await main();
