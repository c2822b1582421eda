// One GenAI view of a span, whoever wrote it: ours, the current GenAI names, OpenLLMetry, OpenInference, the AI SDK.
import { describe, expect, it } from 'vitest';
import { readGenAiSpan } from '../../src/analysis/model/genai-span.js';
import { named, node, records } from './records.js';

const view = (name: string, attributes: Record<string, string | number | boolean>, resource?: Record<string, string>) =>
  readGenAiSpan(named(records([node(name, 0, 1000, attributes)], resource), name));

describe('readGenAiSpan', () => {
  it('reads the current GenAI names and ours', () => {
    const v = view('chat gpt-4.1', {
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'gpt-4.1',
      'gen_ai.response.model': 'gpt-4.1-2025-04-14',
      'gen_ai.provider.name': 'openai',
      'gen_ai.usage.input_tokens': 12,
      'gen_ai.usage.output_tokens': 3,
      'gen_ai.usage.cache_read.input_tokens': 4,
      'gen_ai.usage.cache_creation.input_tokens': 2,
      'gen_ai.usage.reasoning.output_tokens': 1,
      'gen_ai.conversation.id': 'c1',
      'gen_ai.agent.name': 'planner',
      'gen_ai.response.time_to_first_chunk': 0.25,
      'gen_ai.request.stream': true,
      'openjoules.cost.usd': 0.002,
      'energy.joules': 30,
      'energy.attributed.joules': 10,
      'energy.gpu.joules': 24,
      'energy.cpu.joules': 6,
    });
    expect(v).toMatchObject({
      kind: 'model',
      operation: 'chat',
      requestModel: 'gpt-4.1',
      responseModel: 'gpt-4.1-2025-04-14',
      provider: 'openai',
      usage: { inputTokens: 12, outputTokens: 3, cacheReadTokens: 4, cacheCreationTokens: 2, reasoningTokens: 1 },
      conversationId: 'c1',
      agentName: 'planner',
      ttftSeconds: 0.25,
      stream: true,
      costUsd: 0.002,
      energy: { inclusiveJoules: 30, attributedJoules: 10, gpuJoules: 24, cpuJoules: 6 },
    });
  });

  it('reads OpenLLMetry: the older GenAI usage names, llm.request.type, traceloop.span.kind', () => {
    const call = view('openai.chat', {
      'llm.request.type': 'chat',
      'gen_ai.system': 'OpenAI',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.usage.prompt_tokens': 21,
      'gen_ai.usage.completion_tokens': 8,
      'llm.usage.total_tokens': 29,
    });
    expect(call).toMatchObject({ kind: 'model', operation: 'chat', provider: 'OpenAI', usage: { inputTokens: 21, outputTokens: 8, totalTokens: 29 } });
    expect(view('get_weather.tool', { 'traceloop.span.kind': 'tool', 'traceloop.entity.name': 'get_weather' })).toMatchObject({
      kind: 'tool',
      toolName: 'get_weather',
    });
    expect(view('planner.agent', { 'traceloop.span.kind': 'agent', 'traceloop.entity.name': 'planner' })).toMatchObject({ kind: 'agent', agentName: 'planner' });
    expect(view('pipeline.workflow', { 'traceloop.span.kind': 'workflow' }).kind).toBe('other');
  });

  it('reads OpenInference: span kinds, llm.model_name, llm.token_count.*, tool.name, session.id, llm.cost.total', () => {
    const call = view('ChatCompletion', {
      'openinference.span.kind': 'LLM',
      'llm.model_name': 'gpt-4o-mini',
      'llm.provider': 'openai',
      'llm.token_count.prompt': 40,
      'llm.token_count.completion': 9,
      'llm.token_count.total': 49,
      'llm.token_count.prompt_details.cache_read': 5,
      'llm.cost.total': 0.0001,
      'session.id': 'sess-7',
    });
    expect(call).toMatchObject({
      kind: 'model',
      requestModel: 'gpt-4o-mini',
      provider: 'openai',
      usage: { inputTokens: 40, outputTokens: 9, totalTokens: 49, cacheReadTokens: 5 },
      costUsd: 0.0001,
      conversationId: 'sess-7',
    });
    expect(view('search', { 'openinference.span.kind': 'TOOL', 'tool.name': 'search' })).toMatchObject({ kind: 'tool', toolName: 'search' });
    expect(view('Agent', { 'openinference.span.kind': 'AGENT', 'agent.name': 'triage' })).toMatchObject({ kind: 'agent', agentName: 'triage' });
    expect(view('RunnableSequence', { 'openinference.span.kind': 'CHAIN' }).kind).toBe('other');
  });

  it('reads the Vercel AI SDK: doGenerate/doStream are calls, generateText/streamText are turns, ai.toolCall is a tool', () => {
    const stream = view('ai.streamText.doStream', {
      'ai.operationId': 'ai.streamText.doStream',
      'ai.model.id': 'gpt-4o',
      'ai.model.provider': 'openai.chat',
      'ai.usage.inputTokens': 12,
      'ai.usage.outputTokens': 3,
      'ai.response.msToFirstChunk': 80,
    });
    expect(stream).toMatchObject({ kind: 'model', requestModel: 'gpt-4o', provider: 'openai.chat', usage: { inputTokens: 12, outputTokens: 3 }, ttftSeconds: 0.08, stream: true });
    // Older versions: the v4 names, and no ai.operationId (the span name says).
    expect(view('ai.generateText.doGenerate', { 'ai.usage.promptTokens': 7, 'ai.usage.completionTokens': 2 })).toMatchObject({
      kind: 'model',
      usage: { inputTokens: 7, outputTokens: 2 },
    });
    expect(view('ai.generateText', { 'ai.operationId': 'ai.generateText', 'ai.telemetry.functionId': 'support-bot' })).toMatchObject({
      kind: 'agent',
      agentName: 'support-bot',
    });
    expect(view('ai.toolCall', { 'ai.operationId': 'ai.toolCall', 'ai.toolCall.name': 'get_weather' })).toMatchObject({ kind: 'tool', toolName: 'get_weather' });
    expect(view('ai.embed', { 'ai.operationId': 'ai.embed' }).kind).toBe('other');
  });

  it('the current GenAI names win when several conventions are on one span; a wrong-typed value is passed over', () => {
    const v = view('chat x', {
      'gen_ai.operation.name': 'chat',
      'openinference.span.kind': 'TOOL',
      'gen_ai.usage.input_tokens': 10,
      'gen_ai.usage.prompt_tokens': 99,
      'llm.token_count.prompt': 98,
      'ai.usage.promptTokens': 97,
      'gen_ai.usage.output_tokens': 'three',
      'gen_ai.usage.completion_tokens': 4,
      'gen_ai.request.model': 'current',
      'llm.model_name': 'older',
    });
    expect(v).toMatchObject({ kind: 'model', usage: { inputTokens: 10, outputTokens: 4 }, requestModel: 'current' });
  });

  it('keeps a hosted-API call’s provider-side estimate apart from measured energy', () => {
    const v = view('chat gpt-4o', {
      'gen_ai.operation.name': 'chat',
      'energy.remote.joules': 120,
      'energy.remote.min_joules': 60,
      'energy.remote.max_joules': 300,
      'energy.remote.method': 'ecologits',
    });
    expect(v.remoteEnergy).toEqual({ joules: 120, minJoules: 60, maxJoules: 300, method: 'ecologits' });
    expect(v.energy).toBeUndefined();
  });

  it('user.id: the span’s, else the resource’s; a tool’s name falls back to its span name; errors carry a type', () => {
    const spans = records(
      [node('execute_tool grep', 0, 10, { 'gen_ai.operation.name': 'execute_tool' }), node('chat m', 0, 10, { 'gen_ai.operation.name': 'chat', 'user.id': 'u-span' })],
      { 'service.name': 'agent', 'user.id': 'u-res' },
    );
    expect(readGenAiSpan(named(spans, 'execute_tool grep'))).toMatchObject({ toolName: 'grep', userId: 'u-res', failed: false, energy: undefined });
    expect(readGenAiSpan(named(spans, 'chat m')).userId).toBe('u-span');
  });
});
