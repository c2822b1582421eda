// Rollup throughput against the parse limit (plain JSON.parse of the same lines, same reader) in one process, then
// peak memory for 100 k vs 1 M spans, each measured in its own child process.
//
//   npx tsx bench/rollup/generate.ts 1000000 && npx tsx bench/rollup/generate.ts 100000
//   npx tsx bench/rollup/throughput.ts [.cache/bench/rollup/spans-1000000.jsonl] [.cache/bench/rollup/spans-100000.jsonl]
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { hostSharesFromFiles } from '../../src/analysis/model/host-shares-files.js';
import { readLines } from '../../src/analysis/otlp/read-spans.js';
import { rollupSpans } from '../../src/analysis/rollup/rollup.js';
import { lastCompletedHours } from '../../src/analysis/rollup/windows.js';

interface Meta { spans: number; bytes: number; sessions: number; turns: number }

/** The generator's day, as 24 hourly buckets (a `--hours 24` backfill). */
const WINDOW = lastCompletedHours(24, Date.UTC(2026, 3, 25));

async function parseOnly(file: string): Promise<number> {
  let n = 0;
  for await (const { text } of readLines(createReadStream(file, { highWaterMark: 1 << 20 }))) {
    if (JSON.parse(text) !== null) n++;
  }
  return n;
}

async function rollupOnly(file: string): Promise<number> {
  let issues = 0;
  const rows = await rollupSpans([file], WINDOW, { onIssue: () => issues++ });
  if (issues > 0) throw new Error(`${issues} issues in generated input`);
  return rows.reduce((sum, r) => sum + r.spans, 0);
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
}

/** In a child: run one job, sampling the heap, and print peak RSS / heap in MiB. */
async function child(job: string, file: string): Promise<void> {
  let heapPeak = 0;
  const sample = (): void => {
    heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
  };
  const timer = setInterval(sample, 20);
  await (job === 'parse' ? parseOnly(file) : rollupOnly(file));
  clearInterval(timer);
  sample();
  console.log(JSON.stringify({ rssMiB: process.resourceUsage().maxRSS / 1024, heapMiB: heapPeak / 2 ** 20 }));
}

function measureInChild(job: string, file: string): { rssMiB: number; heapMiB: number } {
  const self = fileURLToPath(import.meta.url);
  const result = spawnSync(process.execPath, ['--import', 'tsx', self, '--child', job, file], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`child ${job} ${file} failed: ${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').pop()!) as { rssMiB: number; heapMiB: number };
}

async function main(): Promise<void> {
  const [big = '.cache/bench/rollup/spans-1000000.jsonl', small = '.cache/bench/rollup/spans-100000.jsonl'] = process.argv.slice(2);
  for (const f of [big, small]) {
    if (!existsSync(f)) throw new Error(`${f} missing: run bench/rollup/generate.ts first`);
  }
  const meta = JSON.parse(readFileSync(`${big}.meta.json`, 'utf8')) as Meta;
  const smallMeta = JSON.parse(readFileSync(`${small}.meta.json`, 'utf8')) as Meta;

  // Warm the page cache and the JIT, then take the best of three of each, interleaved.
  await parseOnly(small);
  await rollupOnly(small);
  let parseS = Infinity;
  let rollupS = Infinity;
  let sharesS = Infinity;
  for (let i = 0; i < 3; i++) {
    parseS = Math.min(parseS, await time(() => parseOnly(big)));
    rollupS = Math.min(rollupS, await time(() => rollupOnly(big)));
    // Included in the rollup's time: the first pass for shares across processes (no span here carries readings).
    sharesS = Math.min(sharesS, await time(() => hostSharesFromFiles([big])));
  }
  const mb = meta.bytes / 1e6;
  console.log(`input: ${meta.spans.toLocaleString('en')} spans, ${meta.sessions.toLocaleString('en')} sessions, ${mb.toFixed(0)} MB`);
  console.log('| run | s | MB/s | spans/s | ratio |');
  console.log('|---|---:|---:|---:|---:|');
  console.log(`| JSON.parse per line (ref) | ${parseS.toFixed(2)} | ${(mb / parseS).toFixed(0)} | ${Math.round(meta.spans / parseS).toLocaleString('en')} | 1.00× |`);
  console.log(`| rollup (24 hourly buckets) | ${rollupS.toFixed(2)} | ${(mb / rollupS).toFixed(0)} | ${Math.round(meta.spans / rollupS).toLocaleString('en')} | ${(parseS / rollupS).toFixed(2)}× |`);
  console.log(`| of which: first pass for shares across processes (no readings: a byte scan) | ${sharesS.toFixed(2)} | ${(mb / sharesS).toFixed(0)} | ${Math.round(meta.spans / sharesS).toLocaleString('en')} | ${(parseS / sharesS).toFixed(2)}× |`);

  console.log('');
  console.log('| peak memory (own process) | spans | sessions | max RSS MiB | peak heap MiB |');
  console.log('|---|---:|---:|---:|---:|');
  for (const job of ['parse', 'rollup']) {
    for (const [file, m] of [[small, smallMeta], [big, meta]] as const) {
      const { rssMiB, heapMiB } = measureInChild(job, file);
      console.log(`| ${job} | ${m.spans.toLocaleString('en')} | ${m.sessions.toLocaleString('en')} | ${rssMiB.toFixed(0)} | ${heapMiB.toFixed(0)} |`);
    }
  }
}

if (process.argv[2] === '--child') await child(process.argv[3]!, process.argv[4]!);
else await main();
