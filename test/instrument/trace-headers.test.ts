// The model call's HTTP request carries the call span's W3C trace context, so a serving engine that traces its
// requests (vLLM) parents its request span under the agent's model-call span. Real clients against a local server.
import { propagation } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import Anthropic from '@anthropic-ai/sdk';
import OpenAIv6 from 'openai-v6';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { instrumentAnthropic, instrumentOpenAI } from '../../src/runtime/instrument/manual.js';
import { unpatchAnthropic } from '../../src/runtime/instrument/anthropic.js';
import { unpatchOpenAI } from '../../src/runtime/instrument/openai.js';
import { setupTracing } from '../helpers/tracing.js';
import { startFakeProvider, type FakeProvider } from './fake-providers.js';

let server: FakeProvider;
const tracing = setupTracing();
beforeAll(async () => {
  server = await startFakeProvider();
  instrumentOpenAI(OpenAIv6);
  instrumentAnthropic(Anthropic);
});
afterEach(() => {
  propagation.disable();
  delete process.env.OPENJOULES_PROPAGATE_CONTEXT;
  tracing.reset();
  server.requests.length = 0;
});
afterAll(async () => {
  unpatchOpenAI(OpenAIv6);
  unpatchAnthropic(Anthropic);
  await server.close();
});

const traceparentOf = (name: string): string => {
  const context = tracing.byName(name).spanContext();
  return `00-${context.traceId}-${context.spanId}-01`;
};

describe('trace context on the model call request', () => {
  it('openai: the request carries the chat span as its traceparent; a header the caller set is kept', async () => {
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    const client = new OpenAIv6({ apiKey: 'sk-x', baseURL: `${server.url}/v1` });
    await client.chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'hi' }] }, { headers: { 'x-team': 'a' } });
    expect(server.requests[0]!.headers.traceparent).toBe(traceparentOf('chat gpt-4.1'));
    expect(server.requests[0]!.headers['x-team']).toBe('a');
    tracing.reset();
    await client.chat.completions.create({ model: 'gpt-own', messages: [] }, { headers: { traceparent: '00-11111111111111111111111111111111-2222222222222222-01' } });
    expect(server.requests[1]!.headers.traceparent).toBe('00-11111111111111111111111111111111-2222222222222222-01');
  });

  it('anthropic: the request carries the chat span as its traceparent', async () => {
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    const client = new Anthropic({ apiKey: 'sk-ant-x', baseURL: server.url, openTelemetry: false });
    await client.messages.create({ model: 'claude-x', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] });
    expect(server.requests[0]!.headers.traceparent).toBe(traceparentOf('chat claude-x'));
  });

  it('adds nothing without a propagator, or with OPENJOULES_PROPAGATE_CONTEXT=false', async () => {
    const client = new OpenAIv6({ apiKey: 'sk-x', baseURL: `${server.url}/v1` });
    await client.chat.completions.create({ model: 'gpt-4.1', messages: [] });
    expect(server.requests[0]!.headers.traceparent).toBeUndefined();
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    process.env.OPENJOULES_PROPAGATE_CONTEXT = 'false';
    await client.chat.completions.create({ model: 'gpt-4.1', messages: [] });
    expect(server.requests[1]!.headers.traceparent).toBeUndefined();
  });
});
