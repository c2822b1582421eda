// The Vercel AI SDK (v6, the newest that runs on Node 20; v7 needs Node 22) emits its own spans when telemetry is on.
// openjoules does not duplicate them: startOpenJoules' energy processor puts joules on them, tool calls included.
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, stepCountIs, streamText, tool } from 'ai';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenJoules, type OpenJoules } from '../../src/runtime/setup/start.js';
import { SimulatedEnergySource } from '../../src/runtime/energy/sources/simulated.js';
import { startFakeProvider, type FakeProvider } from './fake-providers.js';

let provider: FakeProvider;
let openjoules: OpenJoules;
const exporter = new InMemorySpanExporter();
beforeAll(async () => {
  provider = await startFakeProvider();
  openjoules = await startOpenJoules({
    energy: [new SimulatedEnergySource({ devices: [{ power: 100, counterPeriodMs: 0 }] })],
    traceExporters: [exporter],
    scheduledDelayMillis: 10,
    warn: () => undefined,
  });
});
afterAll(async () => {
  await openjoules.shutdown();
  await provider.close();
});

describe('Vercel AI SDK telemetry spans', () => {
  it('streamText and tool execution spans get joules; nothing duplicated', async () => {
    const openai = createOpenAI({ apiKey: 'sk-test-SECRETSECRETSECRET1234', baseURL: `${provider.url}/v1` });
    const result = streamText({ model: openai.chat('gpt-4o'), prompt: 'hi', experimental_telemetry: { isEnabled: true } });
    let text = '';
    for await (const delta of result.textStream) text += delta;
    expect(text).toBe('Hello world');

    const generated = await generateText({
      model: openai.chat('gpt-4o'),
      prompt: 'weather?',
      tools: { get_weather: tool({ description: 'Weather', inputSchema: z.object({ city: z.string() }), execute: async ({ city }) => `Sunny in ${city}` }) },
      stopWhen: stepCountIs(2),
      experimental_telemetry: { isEnabled: true },
    });
    expect(generated.text).toBe('Hello world');
    await openjoules.forceFlush();

    const spans = exporter.getFinishedSpans();
    const names = spans.map((s) => s.name);
    expect(names).toContain('ai.streamText.doStream');
    expect(names).toContain('ai.toolCall');
    expect(spans.every((s) => s.instrumentationScope.name === 'ai')).toBe(true);
    for (const span of spans) expect(span.attributes['energy.joules']).toBeGreaterThan(0);
    const doStream = spans.find((s) => s.name === 'ai.streamText.doStream')!;
    expect(doStream.attributes['gen_ai.usage.output_tokens']).toBe(3);
    expect(JSON.stringify(spans.map((s) => s.attributes))).not.toContain('SECRETSECRET');
  });
});
