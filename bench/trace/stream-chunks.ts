// What keeping chunk arrival times costs a streamed call: per chunk, `markChunk` (time kept for ITL) against
// `markFirstChunk` alone (what a chunk cost before), and against a span event per chunk (the other way to keep them);
// per span, the OTLP/JSON bytes of the compact attribute against the events. One run, variants alternated, median of
// rounds. Run: npx tsx bench/trace/stream-chunks.ts
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, NoopSpanProcessor, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { encodeTraceRequest } from '../../src/runtime/otlp/encode.js';
import { startLlmCall, type LlmCallHandle } from '../../src/runtime/api/agent-spans.js';
import { median, printTable } from '../lib/table.js';

const CALLS = Number(process.env.BENCH_CALLS ?? 2_000);
const CHUNKS = Number(process.env.BENCH_CHUNKS ?? 200);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new NoopSpanProcessor()] }));

type PerChunk = (call: LlmCallHandle) => void;
const variants: ReadonlyArray<readonly [string, PerChunk]> = [
  ['markFirstChunk only (ref)', (call) => call.markFirstChunk()],
  ['markChunk (offsets kept)', (call) => call.markChunk()],
  ['span event per chunk', (call) => {
    call.markFirstChunk();
    call.span.addEvent('gen_ai.content.chunk');
  }],
];

/** One streamed call of CHUNKS chunks, each arriving on its own turn of the event loop as an SDK stream's do. */
async function streamedCall(perChunk: PerChunk): Promise<void> {
  const call = startLlmCall({ provider: 'openai', model: 'gpt-4o', stream: true });
  for (let i = 0; i < CHUNKS; i++) {
    await Promise.resolve();
    perChunk(call);
  }
  call.end();
}

async function nsPerChunk(perChunk: PerChunk): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) await streamedCall(perChunk);
  return Number(process.hrtime.bigint() - start) / (CALLS * CHUNKS);
}

const samples = variants.map(() => [] as number[]);
for (const [, perChunk] of variants) await nsPerChunk(perChunk); // warm-up
for (let r = 0; r < ROUNDS; r++) for (const [i, [, perChunk]] of variants.entries()) samples[i]!.push(await nsPerChunk(perChunk));
const ref = median(samples[0]!);

// Bytes one streamed call adds to an OTLP/JSON line, each way of keeping its chunk times.
const exporter = new InMemorySpanExporter();
const recording = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
trace.disable();
trace.setGlobalTracerProvider(recording);
const bytes: number[] = [];
for (const [, perChunk] of variants) {
  exporter.reset();
  const call = startLlmCall({ provider: 'openai', model: 'gpt-4o', stream: true });
  for (let i = 0; i < CHUNKS; i++) {
    await new Promise((resolve) => setTimeout(resolve, 1));
    perChunk(call);
  }
  call.end();
  bytes.push(JSON.stringify(encodeTraceRequest(exporter.getFinishedSpans())).length);
}

printTable(
  `${CALLS} streamed calls × ${CHUNKS} chunks, median of ${ROUNDS} rounds (Node ${process.version})`,
  ['variant', 'ns/chunk', 'vs ref', 'extra ns/chunk', `OTLP/JSON bytes/span (${CHUNKS} chunks)`],
  variants.map(([name], i) => {
    const ns = median(samples[i]!);
    return [name, ns.toFixed(0), `${(ns / ref).toFixed(2)}×`, (ns - ref).toFixed(0), bytes[i]!];
  }),
);
