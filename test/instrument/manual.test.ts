// The manual path (bundled code): instrumentModules / instrumentOpenAI on the previous openai major (v6) and on
// @anthropic-ai/sdk, in process, with a real SDK pipeline; and the Vercel AI SDK's own telemetry spans.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAIv6 from 'openai-v6';
import Anthropic from '@anthropic-ai/sdk';
import { withAgentTurn } from '../../src/runtime/api/agent-spans.js';
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { instrumentMcpClient, instrumentModules, instrumentOpenAI } from '../../src/runtime/instrument/manual.js';
import { unpatchOpenAI } from '../../src/runtime/instrument/openai.js';
import { unpatchAnthropic } from '../../src/runtime/instrument/anthropic.js';
import { unpatchMcpClient } from '../../src/runtime/instrument/mcp.js';
import { setupTracing } from '../helpers/tracing.js';
import { startFakeProvider, type FakeProvider } from './fake-providers.js';

let provider: FakeProvider;
const tracing = setupTracing();
beforeAll(async () => {
  provider = await startFakeProvider();
});
afterAll(async () => {
  unpatchOpenAI(OpenAIv6);
  unpatchAnthropic(Anthropic);
  unpatchMcpClient(McpClient);
  await provider.close();
});

describe('instrumentOpenAI on openai v6 (previous major)', () => {
  it('streams keep their usage, TTFT and chunks; the call nests under the agent turn', async () => {
    instrumentOpenAI(OpenAIv6);
    instrumentOpenAI(OpenAIv6); // idempotent
    tracing.reset();
    const client = new OpenAIv6({ apiKey: 'sk-test-SECRETSECRETSECRET1234', baseURL: `${provider.url}/v1` });
    const chunks: unknown[] = [];
    await withAgentTurn({ agentName: 'planner' }, async () => {
      const stream = await client.chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'hi' }], stream: true });
      expect(typeof stream.toReadableStream).toBe('function');
      for await (const chunk of stream) chunks.push(chunk);
    });
    expect(chunks).toHaveLength(4);
    const chat = tracing.byName('chat gpt-4.1');
    const turn = tracing.byName('invoke_agent planner');
    expect(chat.parentSpanContext?.spanId).toBe(turn.spanContext().spanId);
    expect(chat.attributes).toMatchObject({ 'gen_ai.usage.input_tokens': 12, 'gen_ai.usage.output_tokens': 3, 'gen_ai.request.stream': true });
    expect(chat.attributes['gen_ai.response.time_to_first_chunk']).toBeGreaterThan(0);
  });

  it('breaking out of a stream early ends the span', async () => {
    tracing.reset();
    const client = new OpenAIv6({ apiKey: 'sk-x', baseURL: `${provider.url}/v1` });
    const stream = await client.chat.completions.create({ model: 'gpt-early', messages: [{ role: 'user', content: 'hi' }], stream: true });
    for await (const _ of stream) break;
    const span = tracing.byName('chat gpt-early');
    expect(span.attributes['gen_ai.response.time_to_first_chunk']).toBeGreaterThan(0);
  });

  it('errors are recorded and rethrown unchanged', async () => {
    tracing.reset();
    const client = new OpenAIv6({ apiKey: 'sk-x', baseURL: `${provider.url}/v1`, maxRetries: 0 });
    const error = await client.chat.completions.create({ model: 'fail-model', messages: [] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAIv6.BadRequestError);
    const span = tracing.byName('chat fail-model');
    expect(span.status.code).toBe(2);
    expect(span.attributes['error.type']).toBe('BadRequestError');
  });

  it('withResponse() still gives the data and the raw response', async () => {
    tracing.reset();
    const client = new OpenAIv6({ apiKey: 'sk-x', baseURL: `${provider.url}/v1` });
    const { data, response } = await client.chat.completions.create({ model: 'gpt-wr', messages: [{ role: 'user', content: 'x' }] }).withResponse();
    expect(data.choices[0]?.message.content).toBe('Hello world');
    expect(response.status).toBe(200);
    expect(tracing.byName('chat gpt-wr').attributes['gen_ai.usage.output_tokens']).toBe(3);
  });
});

describe('instrumentModules with @anthropic-ai/sdk', () => {
  it('a client built with openTelemetry: false is traced by openjoules; one with the SDK tracing is left to it', async () => {
    instrumentModules({ anthropic: Anthropic });
    tracing.reset();
    const ours = new Anthropic({ apiKey: 'sk-ant-x', baseURL: provider.url, openTelemetry: false });
    await ours.messages.create({ model: 'claude-a', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] });
    const native = new Anthropic({ apiKey: 'sk-ant-x', baseURL: provider.url });
    await native.messages.create({ model: 'claude-b', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] });
    expect(tracing.spans().map((s) => `${s.instrumentationScope.name}: ${s.name}`)).toEqual([
      'openjoules: chat claude-a',
      'com.anthropic.sdk.typescript: anthropic.messages.create',
    ]);
  });
});

describe('instrumentMcpClient', () => {
  it("returns the class it patched; callTool on a real McpServer becomes execute_tool, isError its error status", async () => {
    expect(instrumentMcpClient(McpClient)).toBe(McpClient);
    const fixture = new URL('../fixtures/instrument/mcp-tools.mjs', import.meta.url).href; // the SDK's McpServer, in memory
    const { connectMcp } = (await import(fixture)) as {
      connectMcp: (client: typeof McpClient) => Promise<{ client: McpClient; close: () => Promise<void> }>;
    };
    const { client, close } = await connectMcp(McpClient);
    tracing.reset();
    try {
      const result = await client.callTool({ name: 'get_weather', arguments: { city: 'Paris' } });
      expect((result.content as Array<{ text: string }>)[0]?.text).toBe('Sunny in Paris');
      expect((await client.callTool({ name: 'broken', arguments: {} })).isError).toBe(true);
    } finally {
      await close();
    }
    const weather = tracing.byName('execute_tool get_weather');
    expect(weather.attributes).toMatchObject({ 'gen_ai.tool.name': 'get_weather', 'gen_ai.tool.type': 'extension', 'mcp.method.name': 'tools/call' });
    expect(tracing.byName('execute_tool broken').attributes['error.type']).toBe('tool_error');
  });
});
