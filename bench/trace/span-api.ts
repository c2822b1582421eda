// The cost of a span made through openjoules' agent span API vs the same span made with the plain OpenTelemetry SDK,
// measured in one run (alternating variants, median of rounds). Run: npx tsx bench/trace/span-api.ts
import { SpanKind, context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, NoopSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { withToolCall, withLlmCall } from '../../src/runtime/api/agent-spans.js';
import { median, printTable } from '../lib/table.js';

const SPANS = Number(process.env.BENCH_SPANS ?? 50_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new NoopSpanProcessor()] }));
const tracer = trace.getTracer('bench');

/** Plain SDK: what a careful user writes by hand for one tool call (active span, attributes, try/catch/end). */
async function plainTool(i: number): Promise<number> {
  return tracer.startActiveSpan(
    'execute_tool search',
    { kind: SpanKind.INTERNAL, attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'search', 'gen_ai.tool.call.id': `c${i}` } },
    async (span) => {
      try {
        return i;
      } catch (error) {
        span.recordException(error as Error);
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

async function oursTool(i: number): Promise<number> {
  return withToolCall({ name: 'search', callId: `c${i}` }, () => i);
}

async function plainLlm(i: number): Promise<number> {
  return tracer.startActiveSpan(
    'chat gpt-4o',
    { kind: SpanKind.CLIENT, attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o' } },
    async (span) => {
      try {
        span.setAttributes({ 'gen_ai.usage.input_tokens': 100, 'gen_ai.usage.output_tokens': i % 50 });
        return i;
      } finally {
        span.end();
      }
    },
  );
}

async function oursLlm(i: number): Promise<number> {
  return withLlmCall({ provider: 'openai', model: 'gpt-4o' }, (call) => {
    call.setUsage({ inputTokens: 100, outputTokens: i % 50 });
    return i;
  });
}

async function timeIt(fn: (i: number) => Promise<number>): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < SPANS; i++) await fn(i);
  return Number(process.hrtime.bigint() - start) / SPANS; // ns per span
}

const variants: Array<[string, (i: number) => Promise<number>]> = [
  ['plain SDK tool span (ref)', plainTool],
  ['withToolCall', oursTool],
  ['plain SDK LLM span (ref)', plainLlm],
  ['withLlmCall', oursLlm],
];
const results = new Map<string, number[]>(variants.map(([n]) => [n, []]));
for (const [, fn] of variants) await timeIt(fn); // warm up
for (let r = 0; r < ROUNDS; r++) for (const [name, fn] of variants) results.get(name)!.push(await timeIt(fn));

const ns = (name: string): number => median(results.get(name)!);
printTable(`Span through the openjoules API vs the plain SDK (${SPANS} spans × ${ROUNDS} rounds, median; NoopSpanProcessor)`, ['variant', 'ns/span', 'ratio to ref'], [
  ['plain SDK tool span (ref)', ns('plain SDK tool span (ref)').toFixed(0), '1.00×'],
  ['withToolCall', ns('withToolCall').toFixed(0), `${(ns('withToolCall') / ns('plain SDK tool span (ref)')).toFixed(2)}×`],
  ['plain SDK LLM span (ref)', ns('plain SDK LLM span (ref)').toFixed(0), '1.00×'],
  ['withLlmCall', ns('withLlmCall').toFixed(0), `${(ns('withLlmCall') / ns('plain SDK LLM span (ref)')).toFixed(2)}×`],
]);
