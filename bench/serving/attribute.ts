// `openjoules attribute` throughput against its parse limit (JSON.parse of the same span and timeline lines, same
// reader) in one process: an hour of a serving engine under continuous batching — N requests, each a vLLM
// llm_request span under an agent's client span — and a one-GPU timeline on the sampler's default 20 ms grid.
//
//   npx tsx bench/serving/attribute.ts [requests, default 100000]
import { createReadStream, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readLines } from '../../src/analysis/otlp/read-spans.js';
import { attributeSpans } from '../../src/analysis/serving/attribute-spans.js';
import { lcg, printTable } from '../lib/table.js';

const HOUR_MS = 3_600_000;
const START = Date.UTC(2026, 0, 1, 10);
const STEP_MS = 20;
const SPANS_PER_LINE = 512;

const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');
const nanos = (ms: number): string => `${Math.round(ms)}000000`;
const kv = (key: string, value: number | string) =>
  typeof value === 'string' ? { key, value: { stringValue: value } } : Number.isInteger(value) ? { key, value: { intValue: String(value) } } : { key, value: { doubleValue: value } };

/** Writes the spans (one OTLP/JSON document per SPANS_PER_LINE spans per service) and returns the GPU's busy times. */
function writeSpans(file: string, requests: number): void {
  const random = lcg(7);
  const agent: object[] = [];
  const engine: object[] = [];
  const lines: string[] = [];
  const flush = (): void => {
    const doc = (service: string, spans: object[]) => ({ resourceSpans: [{ resource: { attributes: [kv('service.name', service)] }, scopeSpans: [{ scope: { name: 'bench' }, spans }] }] });
    if (agent.length > 0) lines.push(JSON.stringify(doc('agent', agent.splice(0))));
    if (engine.length > 0) lines.push(JSON.stringify(doc('vllm', engine.splice(0))));
  };
  for (let i = 0; i < requests; i++) {
    const arrival = START + (i / requests) * (HOUR_MS - 10_000);
    const queue = random() * 50;
    const prefill = 20 + random() * 200;
    const decode = 200 + random() * 2500;
    const scheduled = arrival + queue;
    const first = scheduled + prefill;
    const last = first + decode;
    const traceId = hex(i + 1, 32);
    const caller = hex(2 * i + 1, 16);
    agent.push({ traceId, spanId: caller, name: 'chat toy', kind: 3, startTimeUnixNano: nanos(arrival - 5), endTimeUnixNano: nanos(last + 10), attributes: [kv('gen_ai.operation.name', 'chat')] });
    engine.push({
      traceId,
      spanId: hex(2 * i + 2, 16),
      parentSpanId: caller,
      name: 'llm_request',
      kind: 2,
      startTimeUnixNano: nanos(arrival),
      endTimeUnixNano: nanos(last + 1),
      attributes: [
        kv('gen_ai.latency.time_to_first_token', (first - arrival) / 1000 + 1e-9),
        kv('gen_ai.latency.time_in_queue', queue / 1000 + 1e-9),
        kv('gen_ai.latency.time_in_model_prefill', prefill / 1000 + 1e-9),
        kv('gen_ai.latency.time_in_model_decode', decode / 1000 + 1e-9),
        kv('gen_ai.usage.prompt_tokens', 100 + Math.floor(random() * 3000)),
        kv('gen_ai.usage.completion_tokens', 10 + Math.floor(random() * 500)),
        kv('gen_ai.request.id', `req-${i}`),
      ],
    });
    if (engine.length >= SPANS_PER_LINE) flush();
  }
  flush();
  writeFileSync(file, `${lines.join('\n')}\n`);
}

function writeTimeline(file: string): void {
  const random = lcg(11);
  const lines = ['{"device":"nvml:0","name":"Bench GPU","hwType":"gpu","component":"gpu","vendor":"nvidia","source":"nvml","method":"counter"}'];
  let joules = 0;
  for (let t = START - 60_000; t <= START + HOUR_MS + 60_000; t += STEP_MS) {
    const watts = 150 + random() * 400;
    joules += (watts * STEP_MS) / 1000;
    lines.push(`{"device":"nvml:0","timeUnixMs":${t},"joules":${joules.toFixed(6)},"watts":${watts.toFixed(3)}}`);
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
}

async function parseOnly(files: readonly string[]): Promise<number> {
  let n = 0;
  for (const file of files) for await (const { text } of readLines(createReadStream(file, { highWaterMark: 1 << 20 }))) if (JSON.parse(text) !== null) n++;
  return n;
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
}

async function main(): Promise<void> {
  const requests = Number(process.argv[2] ?? 100_000);
  const dir = join('.cache', 'bench', 'serving');
  mkdirSync(dir, { recursive: true });
  const spans = join(dir, `spans-${requests}.jsonl`);
  const timeline = join(dir, 'timeline.jsonl');
  writeSpans(spans, requests);
  writeTimeline(timeline);
  const rows: (string | number)[][] = [];
  const parse = await time(() => parseOnly([spans, spans, timeline]));
  rows.push(['parse only (spans twice + timeline) (ref)', parse.toFixed(2), '1.00', Math.round(requests / parse)]);
  for (const rule of ['fair', 'tokens'] as const) {
    const seconds = await time(() => attributeSpans({ inputs: [spans], timeline: [timeline], out: join(dir, `out-${rule}.jsonl`), rule }));
    rows.push([`attribute --rule ${rule}`, seconds.toFixed(2), (seconds / parse).toFixed(2), Math.round(requests / seconds)]);
  }
  printTable(`openjoules attribute: ${requests} requests (${2 * requests} spans) over 1 h, 1 GPU at ${STEP_MS} ms`, ['run', 's', '× parse', 'requests/s'], rows);
  console.log(`heap after: ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB, max RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
}

await main();
