// Does the embedded JSONL default keep every span when an agent makes tens of thousands a second? Spans offered
// vs written to the file vs dropped, for the embedded default, for the same pipeline with the SDK's network batch
// settings (queue 2048, batch 512: the default before), and for the reference: the SDK's BatchSpanProcessor with a
// no-op exporter, in the same run.
//
// How it measures, and why:
// - The agent yields to the event loop between bursts (setImmediate), as an async agent does, and offers spans at
//   a target rate: each turn it makes the spans that are due (rate × time so far − made so far), at most 10 ms worth:
//   an agent starved of CPU makes fewer spans, it does not make up for lost time in one burst. So `offered/s` below
//   the target means the process (or this machine) could not go faster, not that spans were lost.
// - Each variant and rate runs in its own child process, so one's garbage and JIT state do not bill another.
// - Written is counted in the file after shutdown (the disk's truth); dropped is the processor's own count.
// - CPU per span (user + system, start to shutdown) against the reference at the same rate; and the longest event
//   loop delay, which is what a bigger batch costs (its JSON is encoded in one go).
// Run: npx tsx bench/export/jsonl-throughput.ts   (JSONL_BENCH_SECONDS, JSONL_BENCH_RATES=25000,50000 to change)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { trace, type Tracer } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { BatchSpanProcessor, TracerProvider, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace';
import { startOpenJoules } from '../../src/runtime/setup/start.js';
import { printTable } from '../lib/table.js';

const SECONDS = Number(process.env.JSONL_BENCH_SECONDS ?? 3);
const RATES = (process.env.JSONL_BENCH_RATES ?? '25000,50000,100000').split(',').map(Number);

type Variant = 'ref' | 'jsonl-network-batches' | 'jsonl-default';
const LABEL: Record<Variant, string> = {
  ref: '(ref) BatchSpanProcessor + no-op exporter',
  'jsonl-network-batches': 'JSONL, queue 2048 / batch 512 (before)',
  'jsonl-default': 'JSONL, embedded default (now)',
};

interface Result {
  readonly offered: number;
  readonly written: number;
  readonly dropped: number;
  readonly seconds: number;
  readonly cpuMicros: number;
  readonly maxLoopDelayMs: number;
}

// ---------------------------------------------------------------------------------------------------------------- child

class CountingExporter implements SpanExporter {
  count = 0;
  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.count += spans.length;
    done({ code: ExportResultCode.SUCCESS });
  }
  async shutdown(): Promise<void> {}
}

/** Offers spans at `rate` a second for `seconds`, yielding to the event loop between bursts; returns how many. */
async function offer(tracer: Tracer, rate: number, seconds: number): Promise<{ offered: number; seconds: number }> {
  const started = performance.now();
  let offered = 0;
  for (;;) {
    const elapsed = (performance.now() - started) / 1000;
    if (elapsed >= seconds) return { offered, seconds: elapsed };
    const due = Math.min(Math.floor(rate * elapsed) - offered, Math.ceil(rate / 100));
    for (let i = 0; i < due; i++) {
      const span = tracer.startSpan('execute_tool search', {
        attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'search', 'gen_ai.tool.call.id': `call_${offered + i}`, 'app.turn': offered & 1023, 'app.ok': true, 'app.score': 0.5 },
      });
      span.end();
    }
    offered += due;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function child(variant: Variant, rate: number): Promise<Result> {
  const loop = monitorEventLoopDelay({ resolution: 1 });
  const cpu = process.cpuUsage();
  loop.enable();
  if (variant === 'ref') {
    const exporter = new CountingExporter();
    const provider = new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter })] });
    const run = await offer(provider.getTracer('bench'), rate, SECONDS);
    await provider.shutdown();
    loop.disable();
    const used = process.cpuUsage(cpu);
    return { ...run, written: exporter.count, dropped: run.offered - exporter.count, cpuMicros: used.user + used.system, maxLoopDelayMs: loop.max / 1e6 };
  }
  const dir = mkdtempSync(join(tmpdir(), 'oj-jsonl-bench-'));
  const env: NodeJS.ProcessEnv = variant === 'jsonl-network-batches' ? { OTEL_BSP_MAX_QUEUE_SIZE: '2048', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '512' } : {};
  let dropped = 0;
  const openjoules = await startOpenJoules({
    env,
    energy: false,
    outDir: dir,
    warn: (line) => {
      const m = /(\d+) span\(s\) dropped/.exec(line);
      if (m) dropped = Number(m[1]);
    },
  });
  const run = await offer(trace.getTracer('bench'), rate, SECONDS);
  await openjoules.shutdown();
  loop.disable();
  const used = process.cpuUsage(cpu);
  let written = 0;
  for (const file of readdirSync(dir)) {
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      if (line) written += (JSON.parse(line) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: unknown[] }> }> }).resourceSpans.reduce((n, rs) => n + rs.scopeSpans.reduce((m, ss) => m + ss.spans.length, 0), 0);
    }
  }
  rmSync(dir, { recursive: true, force: true });
  return { ...run, written, dropped, cpuMicros: used.user + used.system, maxLoopDelayMs: loop.max / 1e6 };
}

// --------------------------------------------------------------------------------------------------------------- parent

function runChild(variant: Variant, rate: number): Result {
  const out = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), 'child', variant, String(rate)], {
    encoding: 'utf8',
    env: { ...process.env, OPENJOULES_ENERGY_SOURCES: 'none' },
    timeout: 120_000,
  });
  const line = out.stdout.split('\n').find((l) => l.startsWith('{'));
  if (!line) throw new Error(`child ${variant} ${rate} failed:\n${out.stderr}`);
  return JSON.parse(line) as Result;
}

async function main(): Promise<void> {
  if (process.argv[2] === 'child') {
    console.log(JSON.stringify(await child(process.argv[3] as Variant, Number(process.argv[4]))));
    return;
  }
  const rows: Array<Array<string | number>> = [];
  for (const rate of RATES) {
    const ref = runChild('ref', rate);
    const refCpuPerSpan = ref.cpuMicros / ref.offered;
    for (const variant of ['ref', 'jsonl-network-batches', 'jsonl-default'] as const) {
      const r = variant === 'ref' ? ref : runChild(variant, rate);
      const cpuPerSpan = r.cpuMicros / r.offered;
      rows.push([
        LABEL[variant],
        rate,
        Math.round(r.offered / r.seconds),
        r.offered,
        r.written,
        r.dropped,
        `${((100 * r.dropped) / r.offered).toFixed(2)}%`,
        cpuPerSpan.toFixed(2),
        (cpuPerSpan / refCpuPerSpan).toFixed(2),
        r.maxLoopDelayMs.toFixed(0),
      ]);
    }
  }
  printTable(
    `Spans offered vs written vs dropped, ${SECONDS} s per run (one child process each; CPU per span against the reference at the same rate)`,
    ['pipeline', 'target/s', 'offered/s', 'offered', 'written', 'dropped', 'loss', 'CPU µs/span', 'x ref', 'max loop delay ms'],
    rows,
  );
}

await main();
