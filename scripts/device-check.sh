#!/usr/bin/env bash
# Device check for a machine with NVIDIA GPUs: openjoules' NVML backend against nvidia-smi and the GPU itself, in
# under 5 minutes, printed as one compact table.
#   1. the counter tick and instant-power refresh openjoules measures at start-up, per GPU;
#   2. power now: the instant field (and nvmlDeviceGetPowerUsage) against nvidia-smi's power.draw(.instant);
#   3. energy over a fixed window: the counter's delta against nvidia-smi's power.draw sampled every 100 ms;
#   4. the sampler's cost on the real driver (CPU of the worker at 10 ms and 2 ms, one read of every GPU);
#   5. per-span joules (the real path: sampler, EnergySpanProcessor) against the counter over long windows, under a
#      GPU load when python3 with torch and CUDA is there (matmuls, 2 s on / 1 s off), else on the idle GPU (said so).
# Run from the repository after `npm ci && npm run build`; needs no network.
#   DEVICE_CHECK_WINDOW_S  the energy window of step 3 (default 10)
#   DEVICE_CHECK_LOAD_S    how long step 5 runs (default 90)
#   DEVICE_CHECK_COST_S    each CPU window of step 4 (default 5)
#   OPENJOULES_NVML_LIBRARY  another libnvidia-ml (the test double, test/doubles/nvml.c): steps 2–3 are then skipped
# Exit status: 0 checked, 2 not built, 3 no NVIDIA GPU here (said in one line, within seconds).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -f dist/index.js ]; then
  echo "device-check: dist/index.js missing: run npm ci && npm run build first" >&2
  exit 2
fi
if ! command -v node >/dev/null 2>&1; then
  echo "device-check: node not found" >&2
  exit 2
fi
if [ -z "${OPENJOULES_NVML_LIBRARY:-}" ]; then
  if ! command -v nvidia-smi >/dev/null 2>&1; then
    echo "device-check: no NVIDIA GPU here (nvidia-smi not found); nothing to check" >&2
    exit 3
  fi
  if ! timeout 20 nvidia-smi -L >/dev/null 2>&1; then
    echo "device-check: no NVIDIA GPU here (nvidia-smi -L failed: $(timeout 20 nvidia-smi -L 2>&1 | head -1))" >&2
    exit 3
  fi
fi

# The check runs as a file inside the repository (not `node -`: the sampler's worker thread would inherit
# --input-type and fail), so it resolves the repository's node_modules.
script="$(mktemp "$PWD/.device-check-XXXXXX.mjs")"
trap 'rm -f "$script"' EXIT
cat > "$script" <<'EOF'
import { execFileSync, spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

const dist = (f) => import(pathToFileURL(join(process.cwd(), 'dist', f)).href);
const { NvmlSource, startEnergySampler, EnergySpanProcessor } = await dist('index.js');
const { TracerProvider, SimpleSpanProcessor, InMemorySpanExporter } = await import('@opentelemetry/sdk-trace');

const library = process.env.OPENJOULES_NVML_LIBRARY || undefined;
const windowS = Number(process.env.DEVICE_CHECK_WINDOW_S || 10);
const loadS = Number(process.env.DEVICE_CHECK_LOAD_S || 90);
const costS = Number(process.env.DEVICE_CHECK_COST_S || 5);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rows = [];
const row = (check, gpu, ours, reference, verdict) => rows.push([check, gpu, ours, reference, verdict]);
const pct = (x) => `${(x * 100).toFixed(2)}%`;
const w = (x) => (x === undefined || Number.isNaN(x) ? '–' : `${x.toFixed(1)} W`);

let nvml;
try {
  nvml = NvmlSource.open({ nvmlLibrary: library });
} catch (error) {
  console.error(`device-check: NVML did not open: ${error.message}`);
  process.exit(3);
}
const gpus = () => nvml.devices().filter((d) => d.hwType === 'gpu');
const latest = () => new Map(nvml.read().map((r) => [r.deviceIndex, r]));

// 1. Timing measured at start-up.
nvml.measureTiming();
for (const [i, d] of gpus().entries()) {
  const tick = d.counterPeriodMs === undefined ? '–' : `${d.counterPeriodMs.toFixed(3)} ms${d.counterPeriodMeasured ? '' : ' (assumed: not measured)'}`;
  const refresh = d.powerRefreshMs === undefined ? 'no instant field, or it did not move' : d.powerRefreshMs === 0 ? 'every call' : `≤ ${d.powerRefreshMs.toFixed(3)} ms`;
  row('counter tick / power refresh', `${i} ${d.name}`, tick, refresh, d.counterPeriodMeasured ? 'measured' : 'CHECK');
}
for (const d of nvml.devices().filter((x) => x.id.endsWith(':module'))) row('Grace Hopper module scope', d.id, 'answered', d.note ?? '', 'present');

// 2. and 3. Against nvidia-smi.
function smiQuery(fields) {
  return execFileSync('nvidia-smi', [`--query-gpu=${fields}`, '--format=csv,noheader,nounits'], { encoding: 'utf8', timeout: 20_000 })
    .trim().split('\n').map((l) => l.split(',').map((c) => Number(c.trim())));
}
if (!library) {
  let fields = 'index,power.draw,power.draw.instant';
  try { smiQuery(fields); } catch { fields = 'index,power.draw'; }
  const ours = latest();
  const smi = smiQuery(fields);
  for (const [i] of gpus().entries()) {
    const r = ours.get(i);
    const mine = r?.powerWatts ?? r?.averagePowerWatts;
    const [, draw, instant] = smi[i] ?? [];
    const ref = Number.isFinite(instant) ? instant : draw;
    row('power now', String(i), `${w(mine)} (${r?.powerWatts !== undefined ? 'instant field' : 'nvmlDeviceGetPowerUsage'})`, `${w(ref)} (power.draw${Number.isFinite(instant) ? '.instant' : ''}; power.draw ${w(draw)})`, mine && ref ? pct(Math.abs(mine - ref) / ref) : '–');
  }
  // Energy over a fixed window: counter delta against nvidia-smi's power.draw every 100 ms.
  const smiSamples = gpus().map(() => []);
  const child = spawn('nvidia-smi', ['--query-gpu=index,power.draw', '--format=csv,noheader,nounits', '-lms', '100'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let buffered = '';
  child.stdout.on('data', (chunk) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      const [index, watts] = line.split(',').map((c) => Number(c.trim()));
      if (Number.isFinite(watts)) smiSamples[index]?.push([performance.now(), watts]);
    }
  });
  await sleep(500);
  const start = latest();
  const t0 = performance.now();
  for (let t = 0; t < windowS * 1000; t += 100) { await sleep(100); nvml.read(); }
  const end = latest();
  const t1 = performance.now();
  child.kill();
  for (const [i] of gpus().entries()) {
    const joules = (end.get(i)?.energyJoules ?? NaN) - (start.get(i)?.energyJoules ?? NaN);
    const samples = smiSamples[i].filter(([t]) => t >= t0 && t <= t1);
    const mean = samples.reduce((a, [, v]) => a + v, 0) / samples.length;
    const counterWatts = (joules / (t1 - t0)) * 1000;
    row(`energy over ${windowS} s`, String(i), `${joules.toFixed(1)} J = ${w(counterWatts)} (counter)`, `${w(mean)} (power.draw, ${samples.length} samples)`, pct(Math.abs(counterWatts - mean) / mean));
  }
} else {
  row('nvidia-smi comparison', '–', 'skipped', `OPENJOULES_NVML_LIBRARY=${library}`, 'stand-in');
}

// 4. The sampler's cost on this driver.
async function cpuFraction(ms) {
  const before = process.cpuUsage();
  const t = performance.now();
  await sleep(ms);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / (performance.now() - t);
}
const reads = 500;
const r0 = performance.now();
for (let k = 0; k < reads; k++) nvml.read();
const readUs = ((performance.now() - r0) / reads) * 1000;
row('one read of every GPU', `${gpus().length} GPU(s)`, `${readUs.toFixed(1)} µs`, 'counter + power field (+ slow telemetry each 1 s)', '–');
const idle = await cpuFraction(costS * 600);
for (const periodMs of [10, 2]) {
  const sampler = await startEnergySampler({ sources: ['nvml'], nvmlLibrary: library, raplRoot: '/nonexistent', sampleIntervalMs: periodMs });
  await sleep(300);
  const cpu = await cpuFraction(costS * 1000);
  await sampler.shutdown();
  row(`sampler every ${periodMs} ms`, `${sampler.status().devices.length} device(s)`, `${pct(cpu - idle)} of a core`, `idle process ${pct(idle)}`, '–');
}

// 5. Per-span joules against the counter over long windows, under a load when one can be made.
let load;
let loadNote = 'no load: idle GPU (python3 with torch and CUDA not found)';
if (!library) {
  try {
    execFileSync('python3', ['-c', 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)'], { stdio: 'ignore', timeout: 60_000 });
    const script = [
      'import sys, time, torch',
      'a = torch.randn(8192, 8192, device="cuda")',
      'end = time.time() + float(sys.argv[1])',
      'while time.time() < end:',
      '    t = time.time()',
      '    while time.time() - t < 2: b = a @ a; torch.cuda.synchronize()',
      '    time.sleep(1)',
    ].join('\n');
    load = spawn('python3', ['-c', script, String(loadS + 5)], { stdio: 'ignore' });
    loadNote = 'torch matmuls on GPU 0, 2 s on / 1 s off';
    await sleep(3000);
  } catch {
    // No torch or no CUDA: the idle GPU it is.
  }
}
const sampler = await startEnergySampler({ sources: ['nvml'], nvmlLibrary: library, raplRoot: '/nonexistent', sampleIntervalMs: 10 });
const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new EnergySpanProcessor({ timeline: sampler.timeline, next: new SimpleSpanProcessor({ exporter }) })] });
const tracer = provider.getTracer('device-check');
await sleep(2000);
const spanErrors = new Map([[5, []], [15, []]]);
const lanes = [...spanErrors.keys()].map(async (seconds) => {
  const stopAt = performance.now() + loadS * 1000;
  while (performance.now() + seconds * 1000 < stopAt) {
    const before = latest().get(0)?.energyJoules;
    const span = tracer.startSpan(`check ${seconds} s`);
    await sleep(seconds * 1000);
    span.end();
    const after = latest().get(0)?.energyJoules;
    await provider.forceFlush();
    const finished = exporter.getFinishedSpans().find((s) => s.spanContext().spanId === span.spanContext().spanId);
    const ours = finished?.attributes['energy.gpu.joules'];
    const counter = after - before;
    if (typeof ours === 'number' && counter > 0) spanErrors.get(seconds).push(Math.abs(ours - counter) / counter);
  }
});
await Promise.all(lanes);
await provider.shutdown();
await sampler.shutdown();
load?.kill();
for (const [seconds, errors] of spanErrors) {
  const sorted = [...errors].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  row(`span joules vs counter, ${seconds} s spans`, `0 (${loadNote})`, `median ${median === undefined ? '–' : pct(median)}, worst ${sorted.length ? pct(sorted[sorted.length - 1]) : '–'}`, `${sorted.length} spans; reference: counter read at span start/end (±1 tick)`, '–');
}
nvml.close();

const headers = ['check', 'GPU', 'openjoules', 'reference', 'diff / verdict'];
const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => String(r[c]).length)));
const line = (r) => r.map((cell, c) => String(cell).padEnd(widths[c])).join(' | ');
console.log(`device-check: ${gpus().length} GPU(s) via ${nvml.libraryPath}`);
console.log(line(headers));
console.log(widths.map((n) => '-'.repeat(n)).join('-|-'));
for (const r of rows) console.log(line(r));
EOF
timeout 290 node "$script"
