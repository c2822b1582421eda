// What energy measurement costs: CPU of sampling 1 and 8 devices at 100 and 500 Hz, as a fraction of one core, and the cost of one
// "joules between t0 and t1" query against one FFI read, in the same run.
// Run: npx tsx bench/energy/sampling-cost.ts
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { energyConfigFromEnv } from '../../src/runtime/energy/sources/config.js';
import { startEnergySampler, startInProcessSampler } from '../../src/runtime/energy/sampler/sampler.js';
import { SimulatedEnergySource } from '../../src/runtime/energy/sources/simulated.js';
import { buildDouble } from '../../test/energy/helpers/doubles.js';
import { lcg, median, printTable } from '../lib/table.js';
import { measureFfiReadNs } from './ffi-read.js';

const WINDOW_MS = 5000;
const DEVICES = 8;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Process CPU time (user + system) spent over `ms` of wall time while this thread sleeps, as a fraction of one core. */
async function cpuFraction(ms: number): Promise<number> {
  const before = process.cpuUsage();
  const t0 = performance.now();
  await sleep(ms);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / (performance.now() - t0);
}

async function main(): Promise<void> {
  const idle = await cpuFraction(WINDOW_MS);

  // Worker thread, GPUs of the NVML C double (test/doubles/nvml.c) through our koffi binding.
  const library = buildDouble('nvml');
  const control = join(mkdtempSync(join(tmpdir(), 'oj-bench-')), 'control');
  process.env.OJ_NVML_DOUBLE_CONTROL = control;
  const workerCpu = async (devices: number, periodMs: number): Promise<[string, number]> => {
    writeFileSync(control, `devices=${devices}\npower_mw=300000\n`);
    const worker = await startEnergySampler(
      energyConfigFromEnv({ OPENJOULES_ENERGY_SOURCES: 'nvml', OPENJOULES_NVML_LIBRARY: library, OPENJOULES_SAMPLE_INTERVAL_MS: String(periodMs) }),
    );
    const found = worker.status().devices.length;
    await sleep(500);
    const cpu = await cpuFraction(WINDOW_MS);
    await worker.shutdown();
    return [`worker thread, NVML C double via koffi, ${found} GPU${found === 1 ? '' : 's'} every ${periodMs} ms`, cpu];
  };
  const workers: Array<[string, number]> = [];
  for (const [devices, periodMs] of [[DEVICES, 10], [1, 10], [1, 2], [DEVICES, 2]] as const) workers.push(await workerCpu(devices, periodMs));

  // Same thread, 8 simulated devices, every 10 ms.
  const simulated = new SimulatedEnergySource({ devices: Array.from({ length: DEVICES }, () => ({ power: 300 })) });
  const inThread = startInProcessSampler([simulated], { sampleIntervalMs: 10 });
  await sleep(500);
  const withInThread = await cpuFraction(WINDOW_MS);

  printTable(`Sampling: CPU as a fraction of one core (${WINDOW_MS / 1000} s windows, this thread asleep)`, ['variant', 'CPU', 'minus idle'], [
    ['(ref) idle process', `${(idle * 100).toFixed(2)}%`, '—'],
    ...workers.map(([label, cpu]) => [label, `${(cpu * 100).toFixed(2)}%`, `${((cpu - idle) * 100).toFixed(2)}%`]),
    [`in-thread timer, SimulatedEnergySource, ${DEVICES} devices every 10 ms`, `${(withInThread * 100).toFixed(2)}%`, `${((withInThread - idle) * 100).toFixed(2)}%`],
  ]);

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
