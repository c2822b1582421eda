// The event → span bridge with a real SDK (BasicTracerProvider + InMemorySpanExporter).
import { SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { hrTimeToMilliseconds } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { beforeEach, describe, expect, it } from 'vitest';
import { EventBus } from '../../src/runtime/events/event-bus.js';
import { EventRecorder } from '../../src/runtime/events/event-recorder.js';
import type { EventType } from '../../src/runtime/events/event-types.js';
import { SpanBridge, attachSpanBridge } from '../../src/runtime/events/events-to-spans.js';
import { decodeTraceDocument } from '../../src/analysis/otlp/decode.js';
import { encodeTraceRequest } from '../../src/runtime/otlp/encode.js';
import { spansToQueryTraces } from '../../src/analysis/summary/query-trace.js';
import { setupTracing } from '../helpers/tracing.js';

const BASE_MS = 1_700_000_000_000;

let exporter: InMemorySpanExporter;
let tracer: Tracer;
let bus: EventBus;

beforeEach(() => {
  exporter = new InMemorySpanExporter();
  tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).getTracer('openjoules');
  bus = new EventBus();
  attachSpanBridge(bus, { tracer });
});

/** Publishes an event `ms` after BASE_MS, as a publisher with its own clock (the seed's Executor) would. */
function at(ms: number, eventType: EventType, payload: Record<string, unknown> = {}, correlationId?: string): void {
  bus.publish({ eventType, timestampNs: (BASE_MS + ms) * 1e6, payload, correlationId, turnId: undefined });
}

const spans = (): ReadableSpan[] => exporter.getFinishedSpans();
function named(name: string): ReadableSpan {
  const found = spans().filter((s) => s.name === name);
  if (found.length !== 1) throw new Error(`expected one "${name}", got: ${spans().map((s) => s.name).join(', ')}`);
  return found[0]!;
}
const startMs = (s: ReadableSpan): number => hrTimeToMilliseconds(s.startTime) - BASE_MS;
const endMs = (s: ReadableSpan): number => hrTimeToMilliseconds(s.endTime) - BASE_MS;
const parentOf = (s: ReadableSpan): string | undefined => s.parentSpanContext?.spanId;
const idOf = (s: ReadableSpan): string => s.spanContext().spanId;

describe('events become spans', () => {
  it('a full executor run: names, kinds, parents, times and attributes', () => {
    at(0, 'agent_start', { agent_name: 'solver', task_id: 'task-1' });
    at(10, 'turn_start', { turn_idx: 0, task_id: 'task-1' });
    at(20, 'lm_inference_start', { model: 'gpt-4o', is_cloud: true }, 'l1');
    at(120, 'lm_inference_end', { model: 'gpt-4o', input_tokens: 100, output_tokens: 40, cost_usd: 0.0105 }, 'l1');
    at(130, 'tool_call_start', { tool: 'rerank', args: { query: 'SECRET prompt text' } }, 't1');
    at(140, 'submodel_call_start', { model: 'bge-reranker' }, 's1');
    at(180, 'submodel_call_end', { input_tokens: 500, output_tokens: 1 }, 's1');
    at(200, 'tool_call_end', { tool: 'rerank', status: 'ok', duration_ns: 7e7 }, 't1');
    at(210, 'turn_end', { turn_idx: 0, is_final: true, n_tool_calls: 1 });
    at(220, 'agent_end', { agent_name: 'solver', status: 'success', n_turns: 1 });

    const root = named('invoke_workflow solver');
    const turn = named('invoke_agent solver');
    const llm = named('chat gpt-4o');
    const tool = named('execute_tool rerank');
    const sub = named('chat bge-reranker');
    expect(parentOf(root)).toBeUndefined();
    expect(parentOf(turn)).toBe(idOf(root));
    expect(parentOf(llm)).toBe(idOf(turn));
    expect(parentOf(tool)).toBe(idOf(turn));
    expect(parentOf(sub)).toBe(idOf(tool));
    expect(new Set(spans().map((s) => s.spanContext().traceId)).size).toBe(1);
    expect([root.kind, turn.kind, llm.kind, tool.kind, sub.kind]).toEqual([SpanKind.INTERNAL, SpanKind.INTERNAL, SpanKind.CLIENT, SpanKind.INTERNAL, SpanKind.CLIENT]);
    expect(startMs(llm)).toBeCloseTo(20, 3);
    expect(endMs(llm)).toBeCloseTo(120, 3);
    expect(endMs(root)).toBeCloseTo(220, 3);

    expect(root.attributes).toEqual({
      'gen_ai.operation.name': 'invoke_workflow',
      'gen_ai.agent.name': 'solver',
      'gen_ai.conversation.id': 'task-1',
      'openjoules.query.completed': true,
    });
    expect(turn.attributes).toMatchObject({ 'gen_ai.operation.name': 'invoke_agent', 'openjoules.turn.index': 0, 'gen_ai.conversation.id': 'task-1' });
    expect(llm.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.usage.input_tokens': 100,
      'gen_ai.usage.output_tokens': 40,
      'openjoules.cost.usd': 0.0105,
    });
    expect(tool.attributes).toMatchObject({ 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'rerank', 'gen_ai.tool.call.id': 't1' });
    expect(sub.attributes).toMatchObject({ 'openjoules.sub_model_call': true, 'gen_ai.usage.input_tokens': 500 });
    // Tool arguments are content: never on a span.
    expect(JSON.stringify(spans().map((s) => s.attributes))).not.toContain('SECRET');
    expect(tool.status.code).toBe(SpanStatusCode.UNSET);

    // The same spans summarize like the seed's QueryTrace.
    const records = decodeTraceDocument(JSON.parse(JSON.stringify(encodeTraceRequest(spans())))).spans;
    const [q] = spansToQueryTraces(records);
    expect(q).toMatchObject({ query_id: 'task-1', completed: true });
    expect(q!.turns).toEqual([expect.objectContaining({ turn_index: 0, input_tokens: 100, output_tokens: 40, tools_called: ['rerank'], cost_usd: 0.0105 })]);
  });

  it('legacy recording: paired by type, the tool inside lm_inference_start..end, prompt/completion tokens', () => {
    at(0, 'lm_inference_start');
    at(10, 'tool_call_start', { tool: 'calc' });
    at(30, 'tool_call_end', { tool: 'calc' });
    at(50, 'lm_inference_end', { prompt_tokens: 50, completion_tokens: 20, model_id: 'llama', cost_usd: 0.001 });
    const llm = named('chat llama');
    const tool = named('execute_tool calc');
    expect(parentOf(tool)).toBe(idOf(llm));
    expect(llm.attributes).toMatchObject({ 'gen_ai.request.model': 'llama', 'gen_ai.usage.input_tokens': 50, 'gen_ai.usage.output_tokens': 20, 'openjoules.cost.usd': 0.001 });
    expect([startMs(llm), endMs(llm)]).toEqual([expect.closeTo(0, 3), expect.closeTo(50, 3)]);
  });

  it('the latest pending start of a type wins when the end has no id', () => {
    at(0, 'agent_start', { agent_name: 'a' });
    at(1, 'tool_call_start', { tool: 'outer' });
    at(2, 'tool_call_start', { tool: 'inner' });
    at(3, 'tool_call_end', {});
    at(4, 'tool_call_end', {});
    at(5, 'agent_end', { status: 'success' });
    expect(endMs(named('execute_tool inner'))).toBeCloseTo(3, 3);
    expect(endMs(named('execute_tool outer'))).toBeCloseTo(4, 3);
  });

  it('correlation ids pair interleaved (parallel) calls', () => {
    at(0, 'turn_start', { turn_idx: 2 });
    at(1, 'tool_call_start', { tool: 'a' }, 'ca');
    at(2, 'tool_call_start', { tool: 'b' }, 'cb');
    at(3, 'tool_call_end', { tool: 'a', status: 'ok' }, 'ca');
    at(9, 'tool_call_end', { tool: 'b', status: 'ok' }, 'cb');
    at(10, 'turn_end', { turn_idx: 2 });
    expect(endMs(named('execute_tool a'))).toBeCloseTo(3, 3);
    expect(endMs(named('execute_tool b'))).toBeCloseTo(9, 3);
    expect(parentOf(named('execute_tool b'))).toBe(idOf(named('invoke_agent')));
  });

  it('an end without a start begins where the last sibling ended (or the parent started)', () => {
    at(0, 'agent_start', { agent_name: 'a' });
    at(100, 'lm_inference_end', { prompt_tokens: 1, completion_tokens: 1 });
    at(150, 'tool_call_start', { tool: 't' });
    at(200, 'tool_call_end', { tool: 't' });
    at(260, 'lm_inference_end', { prompt_tokens: 2, completion_tokens: 2 });
    at(300, 'agent_end', {});
    const [first, second] = spans().filter((s) => s.name === 'chat').sort((a, b) => startMs(a) - startMs(b));
    expect([startMs(first!), endMs(first!)]).toEqual([expect.closeTo(0, 3), expect.closeTo(100, 3)]);
    expect([startMs(second!), endMs(second!)]).toEqual([expect.closeTo(200, 3), expect.closeTo(260, 3)]);
  });

  it('with nothing before it, an end without a start is zero-length', () => {
    at(5, 'tool_call_end', { tool: 'lonely' });
    const tool = named('execute_tool lonely');
    expect(startMs(tool)).toBeCloseTo(endMs(tool), 6);
  });

  it('a failed tool is an error span with error.type, and the message stays off', () => {
    at(0, 'tool_call_start', { tool: 'x' }, 'c1');
    at(1, 'tool_call_end', { tool: 'x', status: 'error', error: 'user SECRET in message', traceback: 'Traceback...' }, 'c1');
    at(2, 'tool_call_start', { tool: 'y' }, 'c2');
    at(3, 'tool_call_end', { tool: 'y', status: 'error', error_type: 'TimeoutError' }, 'c2');
    const x = named('execute_tool x');
    expect(x.status.code).toBe(SpanStatusCode.ERROR);
    expect(x.attributes['error.type']).toBe('_OTHER');
    expect(JSON.stringify([x.attributes, x.status, x.events])).not.toMatch(/SECRET|Traceback/);
    expect(named('execute_tool y').attributes['error.type']).toBe('TimeoutError');
  });

  it('agent_end with a failure status: error span, not completed', () => {
    at(0, 'agent_start', { agent_name: 'a' });
    at(1, 'agent_end', { status: 'max_turns_exhausted' });
    const root = named('invoke_workflow a');
    expect(root.status.code).toBe(SpanStatusCode.ERROR);
    expect(root.attributes).toMatchObject({ 'openjoules.query.completed': false, 'error.type': 'max_turns_exhausted' });
  });

  it('decode_start (else prefill_end) sets the time to first chunk on the LLM span', () => {
    at(0, 'lm_inference_start', { model: 'm1' }, 'a');
    at(100, 'prefill_end', {}, 'a');
    at(120, 'decode_start', {}, 'a');
    at(500, 'lm_inference_end', {}, 'a');
    at(1000, 'lm_inference_start', { model: 'm2' });
    at(1250, 'prefill_end', {});
    at(1300, 'lm_inference_end', {});
    expect(named('chat m1').attributes['gen_ai.response.time_to_first_chunk']).toBeCloseTo(0.12, 6);
    expect(named('chat m2').attributes['gen_ai.response.time_to_first_chunk']).toBeCloseTo(0.25, 6);
  });

  it('retry_attempt and error_classified become span events on the turn', () => {
    at(0, 'agent_start', { agent_name: 'a' });
    at(1, 'turn_start', { turn_idx: 0 });
    at(2, 'retry_attempt', { turn_idx: 0, attempt: 1, error_class: 'retryable', error_type: 'RateLimitError' });
    at(3, 'error_classified', { fatal: true, error: 'SECRET' });
    at(4, 'turn_end', { turn_idx: 0 });
    at(5, 'agent_end', { status: 'failed' });
    const turn = named('invoke_agent a');
    expect(turn.events.map((e) => [e.name, e.attributes])).toEqual([
      ['openjoules.retry_attempt', { 'openjoules.retry.attempt': 1, 'error.type': 'RateLimitError', 'openjoules.error.fatal': false, 'openjoules.turn.index': 0 }],
      ['openjoules.error_classified', { 'openjoules.error.fatal': true }],
    ]);
  });

  it('trajectory_end after agent_end: a trajectory_end span under the root carries the grade', () => {
    at(0, 'agent_start', { agent_name: 'a', task_id: 'q7' });
    at(1, 'turn_start', { turn_idx: 0 });
    at(2, 'turn_end', { turn_idx: 0 });
    at(3, 'agent_end', { status: 'success' });
    at(4, 'trajectory_end', { accuracy: 1.0 });
    const grade = named('trajectory_end');
    expect(parentOf(grade)).toBe(idOf(named('invoke_workflow a')));
    expect(grade.attributes).toEqual({ 'openjoules.query.resolved': true, 'openjoules.query.accuracy': 1 });
    const [q] = spansToQueryTraces(decodeTraceDocument(JSON.parse(JSON.stringify(encodeTraceRequest(spans())))).spans);
    expect(q).toMatchObject({ query_id: 'q7', is_resolved: true, accuracy_score: 1 });
  });

  it('trajectory_end before agent_end goes on the root span; a partial score does not decide resolved', () => {
    at(0, 'agent_start', { agent_name: 'a' });
    at(1, 'trajectory_end', { accuracy: 0.4 });
    at(2, 'agent_end', {});
    const root = named('invoke_workflow a');
    expect(root.attributes['openjoules.query.accuracy']).toBe(0.4);
    expect(root.attributes).not.toHaveProperty('openjoules.query.resolved');
    expect(root.events.map((e) => e.name)).toEqual(['openjoules.trajectory_end']);
  });

  it('a span left open ends with its parent; detach ends what is still open', () => {
    at(0, 'turn_start', { turn_idx: 0 });
    at(1, 'tool_call_start', { tool: 'hung' });
    at(9, 'turn_end', { turn_idx: 0 });
    expect(endMs(named('execute_tool hung'))).toBeCloseTo(9, 3);
    const bridge = attachSpanBridge(bus);
    expect(bridge).toBeInstanceOf(SpanBridge);
    expect(attachSpanBridge(bus, { tracer })).toBe(bridge);
    at(10, 'agent_start', { agent_name: 'open' });
    expect(bridge.openSpans).toBe(1);
    bridge.detach();
    expect(bridge.openSpans).toBe(0);
    expect(named('invoke_workflow open').ended).toBe(true);
    at(20, 'agent_start', { agent_name: 'after' });
    expect(spans().some((s) => s.name === 'invoke_workflow after')).toBe(false);
  });

  it('never throws into the recorder, even when the tracer does', () => {
    const broken = { startSpan: () => { throw new Error('tracer down'); } } as unknown as Tracer;
    const recorder = new EventRecorder({ tracer: broken });
    expect(() => recorder.record('agent_start', { agent_name: 'x' })).not.toThrow();
    expect(() => recorder.record('tool_call_end', null as unknown as Record<string, unknown>)).not.toThrow();
    expect(recorder.length).toBe(2);
  });
});

describe('EventRecorder with the global provider', () => {
  it('porting seed code: only the import changes, spans appear under the openjoules tracer', () => {
    const tracing = setupTracing();
    const recorder = new EventRecorder();
    recorder.record('agent_start', { agent_name: 'react' });
    recorder.record('tool_call_start', { tool: 'calc', correlation_id: 'c1' });
    recorder.record('tool_call_end', { tool: 'calc', correlation_id: 'c1', status: 'ok' });
    recorder.record('free_form_note', { text: 'not a span' });
    recorder.record('agent_end', { status: 'success' });
    const tool = tracing.byName('execute_tool calc');
    expect(tool.instrumentationScope.name).toBe('openjoules');
    expect(parentOf(tool)).toBe(idOf(tracing.byName('invoke_workflow react')));
    expect(tracing.spans()).toHaveLength(2);
    expect(recorder.length).toBe(5);
  });
});
