// Cost of one FFI energy read: nvmlDeviceGetTotalEnergyConsumption through our koffi binding, against the NVML C
// double (test/doubles/nvml.c), compared with baselines measured in the same run.
// Run: npx tsx bench/energy/ffi-read.ts
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import koffi from 'koffi';
import { NvmlSource } from '../../src/runtime/energy/sources/nvml.js';
import { bindNvml, type NvmlDevice } from '../../src/runtime/energy/sources/nvml-ffi.js';
import { buildDouble } from '../../test/energy/helpers/doubles.js';

interface Variant {
  readonly name: string;
  readonly run: () => unknown;
}

interface Row {
  readonly name: string;
  readonly nsPerOp: number;
  readonly spreadPct: number;
}

let prepared: { library: string; device: NvmlDevice } | undefined;

function prepare(): { library: string; device: NvmlDevice } {
  if (prepared) return prepared;
  const library = buildDouble('nvml');
  const control = join(mkdtempSync(join(tmpdir(), 'oj-bench-')), 'control');
  writeFileSync(control, 'devices=1\npower_mw=300000\n');
  process.env.OJ_NVML_DOUBLE_CONTROL = control;
  const nvml = bindNvml(library);
  nvml.nvmlInit_v2();
  const out: [NvmlDevice | null] = [null];
  nvml.nvmlDeviceGetHandleByIndex_v2(0, out);
  prepared = { library, device: out[0]! };
  return prepared;
}

/** Median ns per call over `rounds` rounds of `iterations` calls, and the spread (max−min)/median of the rounds. */
function measure(run: () => unknown, iterations = 200_000, rounds = 7): { nsPerOp: number; spreadPct: number } {
  for (let i = 0; i < iterations / 10; i++) run(); // warm up (JIT, koffi's call path)
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) run();
    samples.push(Number(process.hrtime.bigint() - t0) / iterations);
  }
  samples.sort((a, b) => a - b);
  const median = samples[Math.floor(samples.length / 2)]!;
  return { nsPerOp: median, spreadPct: ((samples[samples.length - 1]! - samples[0]!) / median) * 100 };
}

/** ns for one nvmlDeviceGetTotalEnergyConsumption call through our binding (median). */
export async function measureFfiReadNs(): Promise<number> {
  const { library, device } = prepare();
  const nvml = bindNvml(library);
  const out: [number | bigint] = [0];
  return measure(() => nvml.nvmlDeviceGetTotalEnergyConsumption(device, out)).nsPerOp;
}

async function main(): Promise<void> {
  const { library, device } = prepare();
  const nvml = bindNvml(library);
  const noop = koffi.load(library).func('int ojtest_noop(void)');
  const out: [number | bigint] = [0];
  const typed = new BigUint64Array(1);
  const typedRead = koffi.load(library).func('int nvmlDeviceGetTotalEnergyConsumption(void *device, unsigned long long *energy)');
  const source = NvmlSource.open({ nvmlLibrary: library });
  let sink = 0;
  const empty = (x: number): number => x + 1;
  const variants: Variant[] = [
    { name: '(ref) empty JS function call', run: () => (sink = empty(sink)) },
    { name: 'koffi call, int ojtest_noop(void)', run: () => noop() },
    { name: 'nvmlDeviceGetTotalEnergyConsumption, _Out_ [0]', run: () => nvml.nvmlDeviceGetTotalEnergyConsumption(device, out) },
    { name: 'nvmlDeviceGetTotalEnergyConsumption, BigUint64Array (as NvmlSource reads it)', run: () => typedRead(device, typed) },
    { name: 'NvmlSource.read(), 1 GPU (instant power + energy)', run: () => source.read() },
  ];
  const rows: Row[] = variants.map((v) => ({ name: v.name, ...measure(v.run, v.name.startsWith('NvmlSource') ? 50_000 : 200_000) }));
  source.close();
  const ref = rows[0]!.nsPerOp;
  const koffiRef = rows[1]!.nsPerOp;
  const width = Math.max(...rows.map((r) => r.name.length));
  console.log(`node ${process.version}, koffi ${koffi.version}, ${process.platform}/${process.arch}`);
  console.log(`${'variant'.padEnd(width)}  ${'ns/op'.padStart(9)}  ${'± spread'.padStart(9)}  ${'× (ref)'.padStart(9)}  ${'× noop'.padStart(8)}`);
  for (const r of rows) {
    console.log(
      `${r.name.padEnd(width)}  ${r.nsPerOp.toFixed(1).padStart(9)}  ${`${r.spreadPct.toFixed(0)}%`.padStart(9)}  ${(r.nsPerOp / ref).toFixed(1).padStart(9)}  ${(r.nsPerOp / koffiRef).toFixed(2).padStart(8)}`,
    );
  }
  if (sink < 0) console.log(sink); // keep the reference call from being optimised away
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
