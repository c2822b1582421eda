import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TRACER_NAME, TRACER_VERSION } from '../../src/runtime/api/tracer.js';
import { isContentCaptureEnabled } from '../../src/runtime/api/content-capture.js';
import {
  errorType,
  startAgentTurn,
  startLlmCall,
  startToolCall,
  streamLlmCall,
  withAgentTurn,
  withLlmCall,
  withSubModelCall,
  withToolCall,
} from '../../src/runtime/api/agent-spans.js';
import { setupTracing } from '../helpers/tracing.js';

const tracing = setupTracing();
const parentOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;
const idOf = (span: ReadableSpan): string => span.spanContext().spanId;

beforeEach(() => tracing.reset());
afterEach(() => {
  delete process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT;
});

describe('agent span API', () => {
  it('names, kinds and GenAI attributes follow the conventions', async () => {
    await withAgentTurn({ agentName: 'planner', agentId: 'a1', conversationId: 'conv-1', turnIndex: 2, userId: 'u-9', provider: 'openai' }, async (turn) => {
      await withLlmCall({ provider: 'openai', model: 'gpt-4o', temperature: 0.2, maxTokens: 100, serverAddress: 'api.openai.com', serverPort: 443 }, (call) => {
        call
          .setUsage({ inputTokens: 120, outputTokens: 30, cacheReadTokens: 100, cacheCreationTokens: 5, reasoningTokens: 10 })
          .setResponse({ id: 'r1', model: 'gpt-4o-2024-08-06', finishReasons: ['tool_calls'] })
          .setCost(0.0123);
      });
      await withToolCall({ name: 'search', callId: 'c1', type: 'function', description: 'web search' }, () => 'ok');
      turn.recordFeedback('up');
    });
    const turn = tracing.byName('invoke_agent planner');
    const llm = tracing.byName('chat gpt-4o');
    const tool = tracing.byName('execute_tool search');
    expect(turn.kind).toBe(SpanKind.INTERNAL);
    expect(llm.kind).toBe(SpanKind.CLIENT);
    expect(tool.kind).toBe(SpanKind.INTERNAL);
    expect(turn.instrumentationScope).toMatchObject({ name: TRACER_NAME, version: TRACER_VERSION });
    expect(turn.attributes).toMatchObject({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': 'planner',
      'gen_ai.agent.id': 'a1',
      'gen_ai.conversation.id': 'conv-1',
      'gen_ai.provider.name': 'openai',
      'openjoules.turn.index': 2,
      'user.id': 'u-9',
    });
    expect(llm.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.request.temperature': 0.2,
      'gen_ai.request.max_tokens': 100,
      'gen_ai.response.model': 'gpt-4o-2024-08-06',
      'gen_ai.response.id': 'r1',
      'gen_ai.response.finish_reasons': ['tool_calls'],
      'gen_ai.usage.input_tokens': 120,
      'gen_ai.usage.output_tokens': 30,
      'gen_ai.usage.cache_read.input_tokens': 100,
      'gen_ai.usage.cache_creation.input_tokens': 5,
      'gen_ai.usage.reasoning.output_tokens': 10,
      'openjoules.cost.usd': 0.0123,
      'server.address': 'api.openai.com',
      'server.port': 443,
      // inherited from the turn, so each span can be placed in its session (and agent) on its own
      'gen_ai.conversation.id': 'conv-1',
      'user.id': 'u-9',
      'gen_ai.agent.name': 'planner',
    });
    expect(tool.attributes).toMatchObject({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'search',
      'gen_ai.tool.call.id': 'c1',
      'gen_ai.tool.type': 'function',
      'gen_ai.tool.description': 'web search',
    });
    expect(turn.events.map((e) => [e.name, e.attributes])).toEqual([['openjoules.feedback', { 'openjoules.feedback.rating': 'up' }]]);
    expect(parentOf(llm)).toBe(idOf(turn));
    expect(parentOf(tool)).toBe(idOf(turn));
  });

  it('tracer version matches package.json', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(TRACER_VERSION).toBe(pkg.version);
  });

  it('context flows through await and parallel tool calls', async () => {
    await withAgentTurn({ agentName: 'p' }, async () => {
      await sleep(1);
      await Promise.all(
        ['a', 'b', 'c'].map((name, i) =>
          withToolCall({ name }, async () => {
            await sleep(5 * (3 - i));
            return withSubModelCall({ provider: 'local', model: `m-${name}`, inProcess: true }, async () => sleep(1));
          }),
        ),
      );
    });
    const turn = tracing.byName('invoke_agent p');
    for (const name of ['a', 'b', 'c']) {
      const tool = tracing.byName(`execute_tool ${name}`);
      const sub = tracing.byName(`chat m-${name}`);
      expect(parentOf(tool)).toBe(idOf(turn));
      expect(parentOf(sub)).toBe(idOf(tool));
      expect(sub.attributes['openjoules.sub_model_call']).toBe(true);
      expect(sub.kind).toBe(SpanKind.INTERNAL);
    }
    // overlapping: the three tools ran at the same time
    const tools = ['a', 'b', 'c'].map((n) => tracing.byName(`execute_tool ${n}`));
    const latestStart = Math.max(...tools.map((t) => t.startTime[0] * 1e3 + t.startTime[1] / 1e6));
    const earliestEnd = Math.min(...tools.map((t) => t.endTime[0] * 1e3 + t.endTime[1] / 1e6));
    expect(latestStart).toBeLessThan(earliestEnd);
  });

  it('an error is recorded and rethrown unchanged', async () => {
    const boom = Object.assign(new Error('no route'), { code: 'ECONNREFUSED' });
    let caught: unknown;
    try {
      await withAgentTurn({ agentName: 'e' }, () => withToolCall({ name: 'fetch' }, async () => Promise.reject(boom)));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBe(boom);
    const tool = tracing.byName('execute_tool fetch');
    const turn = tracing.byName('invoke_agent e');
    for (const span of [tool, turn]) {
      expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'no route' });
      expect(span.attributes['error.type']).toBe('ECONNREFUSED');
      expect(span.ended).toBe(true);
    }
    expect(tool.events.find((e) => e.name === 'exception')?.attributes?.['exception.message']).toBe('no route');
  });

  it('synchronous throws are rethrown too, and error.type falls back to the class name', async () => {
    class QuotaError extends Error {
      override name = 'QuotaError';
    }
    const err = new QuotaError('over');
    await expect(withLlmCall({ provider: 'p', model: 'm' }, () => {
      throw err;
    })).rejects.toBe(err);
    expect(tracing.byName('chat m').attributes['error.type']).toBe('QuotaError');
    expect(errorType('plain string')).toBe('Error');
    expect(errorType(new TypeError('x'))).toBe('TypeError');
  });

  it('streams: first chunk time, usage from the last chunk, span ends when the stream ends', async () => {
    async function* provider() {
      await sleep(20);
      yield { text: 'Hel' };
      await sleep(5);
      yield { text: 'lo' };
      yield { usage: { input: 7, output: 2 } };
    }
    let text = '';
    await withAgentTurn({ agentName: 's' }, async () => {
      for await (const chunk of streamLlmCall({ provider: 'p', model: 'm' }, provider(), (c, call) => {
        if (c.usage) call.setUsage({ inputTokens: c.usage.input, outputTokens: c.usage.output });
      })) {
        text += chunk.text ?? '';
        expect(tracing.spans().some((s) => s.name === 'chat m')).toBe(false); // still open while consumed
      }
    });
    expect(text).toBe('Hello');
    const llm = tracing.byName('chat m');
    expect(llm.attributes['gen_ai.request.stream']).toBe(true);
    expect(llm.attributes['gen_ai.usage.output_tokens']).toBe(2);
    const ttfc = llm.attributes['gen_ai.response.time_to_first_chunk'] as number;
    const duration = llm.duration[0] + llm.duration[1] / 1e9;
    expect(ttfc).toBeGreaterThanOrEqual(0.015);
    expect(ttfc).toBeLessThan(duration);
    expect(parentOf(llm)).toBe(idOf(tracing.byName('invoke_agent s')));
  });

  it('streams: a consumer that stops early still ends the span; a failing stream records and rethrows', async () => {
    let closed = false;
    async function* endless() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        closed = true;
      }
    }
    for await (const n of streamLlmCall({ provider: 'p', model: 'early' }, endless())) if (n === 3) break;
    expect(closed).toBe(true);
    expect(tracing.byName('chat early').ended).toBe(true);

    const failure = new Error('stream reset');
    async function* broken() {
      yield 1;
      throw failure;
    }
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const n of streamLlmCall({ provider: 'p', model: 'broken' }, broken())) seen.push(n);
      })(),
    ).rejects.toBe(failure);
    expect(seen).toEqual([1]);
    expect(tracing.byName('chat broken').status.code).toBe(SpanStatusCode.ERROR);
  });

  it('work inside a stream source is a child of the LLM span', async () => {
    const chunks: string[] = [];
    for await (const chunk of streamLlmCall({ provider: 'p', model: 'src' }, async function* () {
      await withToolCall({ name: 'inner' }, () => undefined);
      yield 'x';
    })) {
      chunks.push(chunk);
      expect(trace.getSpan(context.active())).toBeUndefined(); // the consumer's context is not changed
    }
    expect(chunks).toEqual(['x']);
    expect(parentOf(tracing.byName('execute_tool inner'))).toBe(idOf(tracing.byName('chat src')));
  });

  it('explicit handles: start, run children, end once', () => {
    const turn = startAgentTurn({ agentName: 'h', conversationId: 'c-h' });
    const call = turn.run(() => startLlmCall({ provider: 'p', model: 'hm', operation: 'text_completion' }));
    call.markFirstChunk(performance.timeOrigin + performance.now());
    call.end();
    call.end();
    call.setAttributes({ late: 1 }); // after end: ignored, no throw
    turn.fail(new RangeError('bad'));
    const span = tracing.byName('text_completion hm');
    expect(span.attributes['gen_ai.conversation.id']).toBe('c-h');
    expect(span.attributes['late']).toBeUndefined();
    expect(parentOf(span)).toBe(idOf(tracing.byName('invoke_agent h')));
    expect(tracing.byName('invoke_agent h').attributes['error.type']).toBe('RangeError');
    expect(tracing.spans()).toHaveLength(2);
  });

  it('startToolCall: a tool handle under the turn, failed with its error type, ended once', async () => {
    const turn = startAgentTurn({ agentName: 't', conversationId: 'c-t' });
    const tool = turn.run(() => startToolCall({ name: 'lookup', callId: 'call-9', type: 'datastore' }));
    expect(await tool.run(() => Promise.resolve(7))).toBe(7); // a child context, not an end
    tool.fail(Object.assign(new Error('down'), { code: 'ECONNREFUSED' }));
    tool.end();
    turn.end();
    const span = tracing.byName('execute_tool lookup');
    expect(span.attributes).toMatchObject({ 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'lookup', 'gen_ai.tool.call.id': 'call-9', 'gen_ai.tool.type': 'datastore', 'gen_ai.conversation.id': 'c-t' });
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes['error.type']).toBe('ECONNREFUSED');
    expect(parentOf(span)).toBe(idOf(tracing.byName('invoke_agent t')));
    expect(tracing.spans()).toHaveLength(2);
  });

  it('isContentCaptureEnabled: the convention\'s opt-in values, from the env it is given', () => {
    for (const on of ['true', 'TRUE', '1', 'span_only', 'span_and_event']) {
      expect(isContentCaptureEnabled({ OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: on }), on).toBe(true);
    }
    for (const off of [undefined, '', 'false', '0', 'no_content', 'yes']) {
      expect(isContentCaptureEnabled({ OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: off }), String(off)).toBe(false);
    }
  });

  it('content is recorded only on opt-in, and secrets never', async () => {
    const messages = [{ role: 'user', content: 'hi', api_key: 'sk-abcdefghijklmnopqrstuvwxyz' }];
    await withLlmCall({ provider: 'p', model: 'off' }, (call) => call.recordInput(messages).recordOutput([{ role: 'assistant', content: 'yo' }]));
    await withToolCall({ name: 'off-tool', arguments: { q: 1 } }, (tool) => tool.recordResult('r'));
    const off = tracing.byName('chat off');
    expect(Object.keys(off.attributes).filter((k) => k.includes('messages'))).toEqual([]);
    expect(tracing.byName('execute_tool off-tool').attributes['gen_ai.tool.call.arguments']).toBeUndefined();

    process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT = 'true';
    await withLlmCall({ provider: 'p', model: 'on' }, (call) =>
      call.recordInput([...messages, { role: 'user', content: 'my key is sk-ant-abcdefghijklmnopqrstuvwx ok', max_tokens: 5 }]),
    );
    await withToolCall({ name: 'on-tool', arguments: { q: 1, password: 'hunter2' } }, (tool) => tool.recordResult({ answer: 42 }));
    const input = tracing.byName('chat on').attributes['gen_ai.input.messages'] as string;
    expect(JSON.parse(input)[0]).toEqual({ role: 'user', content: 'hi', api_key: '[REDACTED]' });
    expect(input).toContain('my key is [REDACTED] ok');
    expect(input).toContain('"max_tokens":5');
    expect(input).not.toContain('sk-');
    const tool = tracing.byName('execute_tool on-tool');
    expect(JSON.parse(tool.attributes['gen_ai.tool.call.arguments'] as string)).toEqual({ q: 1, password: '[REDACTED]' });
    expect(JSON.parse(tool.attributes['gen_ai.tool.call.result'] as string)).toEqual({ answer: 42 });
  });
});
