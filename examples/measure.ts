// Measurements without spans, as the seeds' users take them: one bracket (EnergyMonitor.sample()), a batch of requests
// (EnergyBatch), a request split at its first token (phase metrics), and the model's FLOPs and MFU on this GPU.
// Run: npx tsx examples/measure.ts   (real devices where there are some; a simulated GPU where there are none)
import { measureEnergy, SimulatedEnergySource, sharedEnergySampler, splitAtTtft, startInProcessSampler, withEnergyBatch } from 'openjoules';
import { computeMfu, estimateFlops } from 'openjoules/analysis';

const sampler =
  (await sharedEnergySampler()) ??
  startInProcessSampler([
    new SimulatedEnergySource({
      devices: [
        {
          name: 'NVIDIA H100 80GB HBM3',
          power: (t) => 250 + 150 * Math.sin(t / 300),
          utilization: (t) => 0.5 + 0.4 * Math.sin(t / 300),
          memoryUsedBytes: () => 40 * 2 ** 30,
          temperatureCelsius: (t) => 60 + 5 * Math.sin(t / 1000),
        },
      ],
    }),
  ]);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** A stand-in for a model call: its latency, the time its first token came, and its token counts. */
async function generate(): Promise<{ firstTokenMs: number; inputTokens: number; outputTokens: number }> {
  await sleep(80);
  const firstTokenMs = performance.timeOrigin + performance.now(); // when the first token came, on the timeline's clock
  await sleep(220);
  return { firstTokenMs, inputTokens: 500, outputTokens: 200 };
}

// 1. One bracket: the seed's EnergySample.
const now = () => performance.timeOrigin + performance.now(); // the clock spans and the energy timeline use
let start = 0;
const { result, sample } = await measureEnergy(() => {
  start = now();
  return generate();
}, { sampler });
const end = start + sample.duration_seconds * 1000;
console.log(
  `bracket: ${sample.energy_joules.toFixed(2)} J in ${sample.duration_seconds.toFixed(2)} s, mean ${sample.mean_power_watts.toFixed(0)} W, ` +
    `peak ${sample.peak_power_watts.toFixed(0)} W, GPU ${sample.mean_utilization_pct.toFixed(0)} % busy, ` +
    `${sample.peak_memory_used_gb.toFixed(1)} GB, ${sample.mean_temperature_c.toFixed(1)} °C, ${sample.num_snapshots} snapshots (${sample.vendor}, ${sample.energy_method})`,
);

// 2. Prefill and decode of that call, split at its first token.
const [prefill, decode] = splitAtTtft(sampler.timeline, start, result.firstTokenMs, end, result.inputTokens, result.outputTokens);
console.log(`prefill: ${prefill.energy_j.toFixed(2)} J over ${prefill.duration_s.toFixed(2)} s; decode: ${decode.energy_per_token_j.toFixed(4)} J/token`);

// 3. A batch: the seed's BatchMetrics.
const { metrics } = await withEnergyBatch(
  async (batch) => {
    for (let i = 0; i < 3; i++) {
      const call = await generate();
      batch.recordRequest(call.inputTokens + call.outputTokens, { promptTokens: call.inputTokens });
    }
  },
  { sampler },
);
console.log(
  `batch ${metrics.batch_id}: ${metrics.total_requests} requests, ${metrics.total_tokens} tokens, ${metrics.total_energy_joules.toFixed(2)} J, ` +
    `${metrics.energy_per_token_joules.toFixed(4)} J/token, ${metrics.energy_per_request_joules.toFixed(2)} J/request, ` +
    `${metrics.mean_throughput_tok_per_sec.toFixed(0)} tok/s`,
);

// 4. What that call asked of the GPU: FLOPs of an 8B model, and MFU on the GPU that measured it.
const [flops] = estimateFlops('llama-3.1-8b-instruct', result.inputTokens, result.outputTokens);
console.log(`flops: ${flops.toExponential(2)}, MFU ${computeMfu(flops, sample.duration_seconds, sample.device_name).toFixed(2)} % on ${sample.device_name}`);

await sampler.shutdown();
