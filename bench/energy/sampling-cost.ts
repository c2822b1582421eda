// What energy measurement costs: CPU of sampling 1 and 8 devices every 10, 5 and 2 ms on the sampler's worker thread, as a
// fraction of one core, against the floor measured in the same run — a worker thread that wakes on the same schedule and
// does nothing, and a C thread that does the same — and the cost of one "joules between t0 and t1" query against one
// FFI read.
// The workers run the built code (dist/), as a host that installed the package does: run from TypeScript sources a worker
// also gets tsx's module-hooks thread, whose own CPU (and garbage collections) would be counted as the sampler's.
// Run: npm run bench:sampling-cost (builds first), or npx tsx bench/energy/sampling-cost.ts after npm run build.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { energyConfigFromEnv } from '../../src/runtime/energy/sources/config.js';
import { startInProcessSampler } from '../../src/runtime/energy/sampler/sampler.js';
import { SimulatedEnergySource } from '../../src/runtime/energy/sources/simulated.js';
import { buildDouble } from '../../test/energy/helpers/doubles.js';
import { lcg, median, printTable } from '../lib/table.js';
import { cpuNsBetween, newThreads, threadCpuNs } from '../lib/thread-cpu.js';
import { measureFfiReadNs } from './ffi-read.js';

/** Each variant is measured over ROUNDS windows of WINDOW_MS, interleaved with the others; the table shows medians. */
const WINDOW_MS = 4000;
const ROUNDS = 2;
/**
 * Left to a started worker before its window opens. A thread that wakes 100 times a second takes seconds to get its
 * loop and read path optimised: measured from the first second, the sampler costs half as much again as after ten
 * (2.2% → 1.1% of a core at 8 GPUs × 10 ms here), and so, less so, does the bare loop.
 */
const SETTLE_MS = 8000;
const DEVICES = 8;
const here = dirname(fileURLToPath(import.meta.url));
/** The built modules the workers run. */
const DIST = new URL('../../dist/runtime/energy/sampler/', import.meta.url);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU over one window while this thread sleeps: the new threads' (the worker's) and the whole process's, fractions of one core. */
interface Window {
  readonly thread: number;
  readonly process: number;
}

/** Measures one window; `threads` are the worker's thread ids (undefined: not on Linux). */
async function measureWindow(threads: ReadonlySet<string> | undefined): Promise<Window> {
  const before = threadCpuNs();
  const usage = process.cpuUsage();
  const t0 = performance.now();
  await sleep(WINDOW_MS);
  const used = process.cpuUsage(usage);
  const after = threadCpuNs();
  const ms = performance.now() - t0;
  const thread = before && after && threads ? cpuNsBetween(before, after, threads) / 1e6 / ms : NaN;
  return { thread, process: (used.user + used.system) / 1000 / ms };
}

/** Runs `start` (which starts a worker and returns its stop), measures a window after SETTLE_MS, stops it. */
async function measureWorker(start: () => Promise<() => Promise<void>>): Promise<Window> {
  const before = threadCpuNs();
  const stop = await start();
  await sleep(SETTLE_MS);
  const after = threadCpuNs();
  const window = await measureWindow(before && after ? newThreads(before, after) : undefined);
  await stop();
  return window;
}

/** The floor: a worker thread that only wakes, on the sampler's own dithered Atomics.wait schedule (runDitheredLoop). */
function startBareWake(periodMs: number): () => Promise<() => Promise<void>> {
  return () => {
    const stop = new SharedArrayBuffer(4);
    const url = new URL('dithered-timer.js', DIST).href;
    // Started like the sampler's worker: an ES module of dist/, no host preloads.
    const code =
      `import { workerData } from 'node:worker_threads';\n` +
      `const { runDitheredLoop } = await import(${JSON.stringify(url)});\n` +
      `runDitheredLoop(() => {}, workerData.periodMs, new Int32Array(workerData.stop));`;
    const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(code)}`), { execArgv: [], workerData: { periodMs, stop } });
    return Promise.resolve(async () => {
      const flag = new Int32Array(stop);
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
      await worker.terminate();
    });
  };
}

/** The host's own floor: a C thread that wakes every `periodMs` and does nothing (wake-floor.c), fraction of one core. */
function nativeFloor(periodMs: number): number {
  const dir = join(tmpdir(), 'oj-bench-wake-floor');
  mkdirSync(dir, { recursive: true });
  const exe = join(dir, 'wake-floor');
  execFileSync('cc', ['-O2', '-Wall', '-o', exe, join(here, 'wake-floor.c')], { stdio: 'pipe' });
  return Number(execFileSync(exe, [String(periodMs * 1000), String(WINDOW_MS / 1000)], { encoding: 'utf8' }).trim());
}

interface Variant {
  readonly label: string;
  readonly periodMs: number;
  /** 'floor': the bare-wake worker the sampler rows are compared with. */
  readonly kind: 'native' | 'floor' | 'sampler';
  readonly run: () => Promise<Window>;
  readonly windows: Window[];
}

async function main(): Promise<void> {
  if (!existsSync(new URL('sampler-worker.js', DIST))) {
    console.error('sampling-cost: dist/ is not built; run `npm run build` first (`npm run bench:sampling-cost` does)');
    process.exitCode = 1;
    return;
  }
  const { startEnergySampler } = (await import(new URL('sampler.js', DIST).href)) as typeof import('../../src/runtime/energy/sampler/sampler.js');
  const loadBefore = loadavg();
  const idle = await measureWindow(undefined);

  // Worker thread, GPUs of the NVML C double (test/doubles/nvml.c) through our koffi binding.
  const library = buildDouble('nvml');
  const control = join(mkdtempSync(join(tmpdir(), 'oj-bench-')), 'control');
  process.env.OJ_NVML_DOUBLE_CONTROL = control;
  const sampler = (devices: number, periodMs: number) => async (): Promise<() => Promise<void>> => {
    writeFileSync(control, `devices=${devices}\npower_mw=300000\n`);
    const worker = await startEnergySampler(
      energyConfigFromEnv({ OPENJOULES_ENERGY_SOURCES: 'nvml', OPENJOULES_NVML_LIBRARY: library, OPENJOULES_SAMPLE_INTERVAL_MS: String(periodMs) }),
    );
    const found = worker.status().devices.length;
    if (found !== devices) throw new Error(`the NVML double showed ${found} GPUs, not ${devices}: ${worker.status().faults.join('; ')}`);
    return () => worker.shutdown();
  };
  const variants: Variant[] = [];
  const add = (label: string, periodMs: number, kind: Variant['kind'], run: () => Promise<Window>): void => {
    variants.push({ label, periodMs, kind, run, windows: [] });
  };
  for (const periodMs of [10, 5, 2]) {
    add(`(native) C thread waking every ${periodMs} ms, nothing else`, periodMs, 'native', () => {
      const f = nativeFloor(periodMs);
      return Promise.resolve({ thread: f, process: f });
    });
    add(`(ref) bare worker thread waking every ${periodMs} ms (dithered Atomics.wait), nothing else`, periodMs, 'floor', () =>
      measureWorker(startBareWake(periodMs)),
    );
    // 5 ms: the candidate default, 8 GPUs only (the bench runs long enough as it is).
    for (const devices of periodMs === 5 ? [DEVICES] : [1, DEVICES]) {
      add(`sampler worker, NVML C double via koffi, ${devices} GPU${devices === 1 ? '' : 's'} every ${periodMs} ms`, periodMs, 'sampler', () =>
        measureWorker(sampler(devices, periodMs)),
      );
    }
  }
  for (let round = 0; round < ROUNDS; round++) for (const v of variants) v.windows.push(await v.run());

  // This thread, 8 simulated devices, every 10 ms (an unref'd timer; its history also serves the query costs below).
  const simulated = new SimulatedEnergySource({ devices: Array.from({ length: DEVICES }, () => ({ power: 300 })) });
  const inThread = startInProcessSampler([simulated], { sampleIntervalMs: 10 });
  await sleep(500);
  const withInThread = await measureWindow(undefined);
  const loadAfter = loadavg();

  const pct = (x: number) => (Number.isNaN(x) ? 'n/a' : `${(x * 100).toFixed(2)}%`);
  const rows = variants.map((v) => {
    const thread = median(v.windows.map((w) => w.thread));
    const proc = median(v.windows.map((w) => w.process));
    const floor = variants.find((f) => f.kind === 'floor' && f.periodMs === v.periodMs);
    const floorThread = floor ? median(floor.windows.map((w) => w.thread)) : NaN;
    const perWakeUs = (thread * v.periodMs * 1000).toFixed(0);
    return [
      v.label,
      pct(thread),
      perWakeUs,
      v.kind === 'native' || Number.isNaN(floorThread) ? '—' : `${(thread / floorThread).toFixed(2)}×`,
      v.kind === 'native' ? '—' : pct(proc - idle.process),
    ];
  });
  rows.push([`in-thread timer, SimulatedEnergySource, ${DEVICES} devices every 10 ms`, '—', '—', '—', pct(withInThread.process - idle.process)]);
  printTable(
    `Sampling: CPU as a fraction of one core (median of ${ROUNDS} interleaved ${WINDOW_MS / 1000} s windows, ${SETTLE_MS / 1000} s after each start, this thread asleep)`,
    ['variant', 'worker thread', 'µs per wake', '× bare wake', 'process − idle'],
    rows,
  );
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
  console.log(
    `worker thread: user + sys of the threads the worker started (Linux schedstat); process: user + sys of the whole process ` +
      `(main thread, V8's GC and compiler threads too) minus the idle process (${pct(idle.process)}). ` +
      `Load average ${load(loadBefore)} before, ${load(loadAfter)} after.`,
  );
  // Query cost: the timeline after 5 s of history at 10 ms (≈ 500 samples and 50 ticks per device).
  const tl = inThread.timeline;
  tl.sync();
  const covered = tl.coveredUntil(0);
  const start = covered - 4000;
  const random = lcg(3);
  const windows = Array.from({ length: 4096 }, () => {
    const t0 = start + random() * 3500;
    return [t0, t0 + 1 + random() * 400] as const;
  });
  let sink = 0;
  const measure = (run: (i: number) => void, n = 500_000): number => {
    for (let i = 0; i < n / 10; i++) run(i);
    const rounds: number[] = [];
    for (let r = 0; r < 7; r++) {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < n; i++) run(i);
      rounds.push(Number(process.hrtime.bigint() - t0) / n);
    }
    return median(rounds);
  };
  const query = measure((i) => {
    const w = windows[i & 4095]!;
    sink += tl.joules(0, w[0], w[1]) ?? 0;
  });
  // The span path asks in time order (the sweep moves forward through span starts and ends): successive windows are
  // close, so each search starts from the last answer.
  const ordered = [...windows].sort((a, b) => a[0] - b[0]);
  const inOrder = measure((i) => {
    const w = ordered[i & 4095]!;
    sink += tl.joules(0, w[0], w[1]) ?? 0;
  });
  const all = measure((i) => {
    const w = windows[i & 4095]!;
    sink += tl.window(w[0], w[1])?.joules ?? 0;
  }, 100_000);
  await inThread.shutdown();
  const ffi = await measureFfiReadNs();
  printTable('One query vs one FFI read (median of 7 rounds)', ['operation', 'ns', 'vs FFI read'], [
    ['(ref) nvmlDeviceGetTotalEnergyConsumption via koffi (bench/energy/ffi-read.ts)', ffi.toFixed(0), '1.00×'],
    ['timeline.joules(device, t0, t1), random windows', query.toFixed(0), `${(query / ffi).toFixed(2)}×`],
    ['timeline.joules(device, t0, t1), windows in time order (span path)', inOrder.toFixed(0), `${(inOrder / ffi).toFixed(2)}×`],
    [`timeline.window(t0, t1), ${DEVICES} devices, per component`, all.toFixed(0), `${(all / ffi).toFixed(2)}×`],
  ]);
  if (sink === -1) console.log(sink);
}

await main();
