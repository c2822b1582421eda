// withLlmCall around an auto-instrumented openai call, plus one plain call, against the local fake OpenAI server, on a
// stand-in 200 W device sampled in real time: every command counts 2 calls (as the seed does), the same tokens, and
// the joules the device drew during the turn.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import OpenAIv6 from 'openai-v6';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInProcessSampler, type InProcessSampler } from '../../src/runtime/energy/sampler/sampler.js';
import { SimulatedEnergySource } from '../../src/runtime/energy/sources/simulated.js';
import { instrumentOpenAI } from '../../src/runtime/instrument/manual.js';
import { unpatchOpenAI } from '../../src/runtime/instrument/openai.js';
import { encodeTraceRequest } from '../../src/runtime/otlp/encode.js';
import { withAgentTurn, withLlmCall } from '../../src/runtime/api/agent-spans.js';
import { EnergySpanProcessor } from '../../src/runtime/span-processor/energy-span-processor.js';
import { startFakeProvider, type FakeProvider } from '../instrument/fake-providers.js';
import { dayAround, field, runAllCommands } from './commands.js';

const WATTS = 200;
let fake: FakeProvider;
let sampler: InProcessSampler;
let provider: BasicTracerProvider;
let processor: EnergySpanProcessor;
const exporter = new InMemorySpanExporter();

beforeAll(async () => {
  fake = await startFakeProvider();
  // A counter exact at every read and instantaneous power: the device's joules over any window are P × Δt.
  sampler = startInProcessSampler([new SimulatedEnergySource({ devices: [{ power: WATTS, counterPeriodMs: 0 }] })], { sampleIntervalMs: 5 });
  processor = new EnergySpanProcessor({ timeline: sampler.timeline, next: new SimpleSpanProcessor(exporter) });
  provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': 'agent', 'process.pid': process.pid }), spanProcessors: [processor] });
  context.disable();
  trace.disable();
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
  instrumentOpenAI(OpenAIv6);
});
afterAll(async () => {
  unpatchOpenAI(OpenAIv6);
  await provider.shutdown();
  await sampler.shutdown();
  await fake.close();
});

describe('withLlmCall around an auto-instrumented openai call', () => {
  it('counts as one call in every command; the turn’s joules are the device’s', async () => {
    const client = new OpenAIv6({ apiKey: 'sk-test-agreement', baseURL: `${fake.url}/v1` });
    await withAgentTurn({ agentName: 'support', conversationId: 'conv-openai' }, async () => {
      await withLlmCall({ provider: 'openai', model: 'gpt-4.1' }, () => client.chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'hi' }] }));
      await client.chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'again' }] });
    });
    // Let the sampler report past the turn's end, then hand every span on.
    await new Promise((resolve) => setTimeout(resolve, 60));
    await processor.forceFlush();
    const spans = exporter.getFinishedSpans();
    const chats = spans.filter((s) => s.name === 'chat gpt-4.1');
    expect(chats, 'the wrapper and the two provider spans').toHaveLength(3);
    const turn = spans.find((s) => s.name === 'invoke_agent support')!;
    const turnMs = (turn.endTime[0] - turn.startTime[0]) * 1000 + (turn.endTime[1] - turn.startTime[1]) / 1e6;

    const dir = mkdtempSync(join(tmpdir(), 'oj-agreement-openai-'));
    writeFileSync(join(dir, 'spans.jsonl'), `${JSON.stringify(encodeTraceRequest(spans))}\n`);
    const totals = await runAllCommands([join(dir, 'spans.jsonl')], dir, dayAround(Date.now()));

    expect(field(totals, 'llmCalls')).toEqual({ rollup: 2, stats: 2, report: 2 });
    // The fake server reports 12 input and 3 output tokens per call.
    expect(field(totals, 'inputTokens')).toEqual({ summary: 24, rollup: 24, stats: 24, report: 24, export: 24 });
    expect(field(totals, 'outputTokens')).toEqual({ summary: 6, rollup: 6, stats: 6, report: 6, export: 6 });
    const device = (WATTS * turnMs) / 1000;
    for (const [command, joules] of Object.entries(field(totals, 'runJoules'))) {
      expect(Math.abs(joules - device) / device, `${command}: ${joules} J vs the device's ${device} J`).toBeLessThanOrEqual(0.01);
    }
    const calls = field(totals, 'callJoules');
    expect(calls.stats).toBeCloseTo(calls.report!, 6);
  });
});
