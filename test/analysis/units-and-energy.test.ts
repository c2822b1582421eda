// Units (nested spans count once) and the energy rule (fair shares of the outermost energy spans per process).
import { ROOT_CONTEXT, trace, type Attributes, type Span } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { energyRoots, subtreeEnergy } from '../../src/analysis/model/energy-rule.js';
import { forestUnits } from '../../src/analysis/model/genai-units.js';
import { SpanForest } from '../../src/analysis/model/span-forest.js';
import { BASE_MS, node, records, roundTrip } from './records.js';

const chat = (start: number, end: number, attributes: Attributes = {}, children = [] as ReturnType<typeof node>[]) =>
  node('chat m', start, end, { 'gen_ai.operation.name': 'chat', ...attributes }, children);
const tool = (start: number, end: number, attributes: Attributes = {}, children = [] as ReturnType<typeof node>[]) =>
  node('execute_tool t', start, end, { 'gen_ai.operation.name': 'execute_tool', ...attributes }, children);
const agent = (start: number, end: number, attributes: Attributes = {}, children = [] as ReturnType<typeof node>[]) =>
  node('invoke_agent a', start, end, { 'gen_ai.operation.name': 'invoke_agent', ...attributes }, children);
const energy = (inclusive: number, attributed = inclusive): Attributes => ({ 'energy.joules': inclusive, 'energy.attributed.joules': attributed, 'energy.gpu.joules': inclusive });

describe('units: nested spans count once', () => {
  it('a wrapper model span around a provider model span is one call, fields from the deepest span that has them', () => {
    // withLlmCall (model requested, no usage) around the auto-instrumented call (usage, response model, TTFT).
    const forest = SpanForest.fromSpans(
      records([
        agent(0, 1000, {}, [
          chat(0, 500, { 'gen_ai.request.model': 'gpt-4.1', 'openjoules.cost.usd': 0.01 }, [
            chat(100, 450, { 'gen_ai.request.model': 'gpt-4.1', 'gen_ai.response.model': 'gpt-4.1-2025', 'gen_ai.usage.input_tokens': 12, 'gen_ai.usage.output_tokens': 3, 'gen_ai.response.time_to_first_chunk': 0.05 }),
          ]),
          chat(600, 900, { 'gen_ai.usage.input_tokens': 5, 'gen_ai.usage.output_tokens': 1 }),
        ]),
      ]),
    );
    const units = forestUnits(forest);
    expect(units.model).toHaveLength(2);
    const [wrapped, plain] = units.model;
    expect(wrapped!.members).toHaveLength(2);
    expect(wrapped).toMatchObject({ requestModel: 'gpt-4.1', responseModel: 'gpt-4.1-2025', usage: { inputTokens: 12, outputTokens: 3 }, costUsd: 0.01 });
    // TTFT from the inner span's start (0.1 s after the wrapper's) + its own 0.05 s.
    expect(wrapped!.ttftSeconds).toBeCloseTo(0.15, 9);
    expect(plain!.usage).toMatchObject({ inputTokens: 5, outputTokens: 1 });
    expect(units.agent).toHaveLength(1);
    expect(wrapped!.parent).toBe(units.agent[0]);
  });

  it('a model call under a tool is its own call; spans of another kind between break the nesting', () => {
    const forest = SpanForest.fromSpans(records([chat(0, 1000, {}, [tool(100, 900, {}, [chat(200, 800)]), node('http', 0, 10, {}, [chat(1, 9)])])]));
    const units = forestUnits(forest);
    // Outer call + the http-wrapped call merge (only an `other` span between); the call under the tool does not.
    expect(units.model.map((u) => u.members.length)).toEqual([2, 1]);
    expect(units.tool).toHaveLength(1);
    expect(units.model[1]!.parent).toBe(units.tool[0]);
  });

  it('nested agent spans (ours around a framework’s) are one turn; a sub-agent run by a tool is its own turn', () => {
    const forest = SpanForest.fromSpans(records([agent(0, 1000, {}, [agent(10, 990, {}, [tool(100, 900, {}, [agent(200, 800)])])])]));
    const units = forestUnits(forest);
    expect(units.agent.map((u) => u.members.length)).toEqual([2, 1]);
  });
});

describe('the energy rule', () => {
  it('counts the fair shares of the outermost spans that carry energy; children are never added', () => {
    const forest = SpanForest.fromSpans(
      records([
        agent(0, 1000, energy(300, 100), [chat(0, 500, energy(150, 50)), tool(500, 1000, energy(150, 50))]),
        // A root without energy: its energy-carrying children count.
        node('run', 0, 1000, {}, [chat(0, 400, energy(120, 40)), chat(400, 1000, energy(180, 60))]),
      ]),
    );
    expect(energyRoots(forest).map((i) => forest.nodes[i]!.span.name)).toEqual(['invoke_agent a', 'chat m', 'chat m']);
    expect(subtreeEnergy(forest)).toMatchObject({ joules: 200, gpuJoules: 100 + 40 + 60 });
  });

  it('exclusive unit energy: calls nested in calls are subtracted, so the calls add up to the calls’ energy once', () => {
    const forest = SpanForest.fromSpans(records([agent(0, 1000, energy(100), [chat(0, 1000, energy(80), [tool(100, 900, energy(60), [chat(200, 800, energy(30))])])])]));
    const units = forestUnits(forest);
    expect(units.model.map((u) => u.energy.joules)).toEqual([50, 30]);
    expect(units.tool[0]!.energy.joules).toBe(60);
    expect(units.agent[0]!.energy.joules).toBe(100);
  });

  it('a span whose parent ran in another process is a root of its own (that process measured its own devices)', () => {
    const exporterA = new InMemorySpanExporter();
    const exporterB = new InMemorySpanExporter();
    const a = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': 'agent', 'process.pid': 1 }), spanProcessors: [new SimpleSpanProcessor(exporterA)] });
    const b = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': 'tools', 'process.pid': 2 }), spanProcessors: [new SimpleSpanProcessor(exporterB)] });
    const start = (provider: BasicTracerProvider, name: string, t: number, attributes: Attributes, parent?: Span) =>
      provider.getTracer('t').startSpan(name, { startTime: BASE_MS + t, attributes }, parent ? trace.setSpan(ROOT_CONTEXT, parent) : ROOT_CONTEXT);
    const turn = start(a, 'invoke_agent a', 0, { 'gen_ai.operation.name': 'invoke_agent', ...energy(100) });
    const client = start(a, 'execute_tool search', 10, { 'gen_ai.operation.name': 'execute_tool', ...energy(80) }, turn);
    const server = start(b, 'execute_tool search', 20, { 'gen_ai.operation.name': 'execute_tool', ...energy(40) }, client);
    const inner = start(b, 'db query', 30, energy(10), server);
    for (const [span, t] of [[inner, 60], [server, 80], [client, 90], [turn, 100]] as const) span.end(BASE_MS + t);
    const forest = SpanForest.fromSpans(roundTrip([...exporterA.getFinishedSpans(), ...exporterB.getFinishedSpans()]));
    expect(energyRoots(forest).map((i) => forest.nodes[i]!.span.resource['service.name'])).toEqual(['agent', 'tools']);
    expect(subtreeEnergy(forest).joules).toBe(140);
    // The MCP-style client and server spans are one tool call, whose energy holds both processes' shares.
    const units = forestUnits(forest);
    expect(units.tool).toHaveLength(1);
    expect(units.tool[0]!.energy.joules).toBe(120);
  });

  it('a parent cycle in a malformed file neither hangs nor loses spans', () => {
    const spans = records([chat(0, 10)]);
    const base = spans[0]!;
    const looped = [
      { ...base, spanId: '1'.repeat(16), parentSpanId: '2'.repeat(16), attributes: { ...base.attributes, 'energy.joules': 1 } },
      { ...base, spanId: '2'.repeat(16), parentSpanId: '1'.repeat(16), attributes: { ...base.attributes, 'energy.joules': 2 } },
    ];
    const forest = SpanForest.fromSpans(looped);
    expect(forest.roots).toHaveLength(1);
    expect(forestUnits(forest).model).toHaveLength(1);
    expect(energyRoots(forest)).toHaveLength(1);
  });
});
