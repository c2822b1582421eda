// Real SDK spans for the report tests: a BasicTracerProvider exporting to memory, encoded with encodeTraceRequest
// into OTLP/JSON lines, then read back with readSpanRecords, as `openjoules report` reads them.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { encodeTraceRequest } from '../../src/runtime/otlp/encode.js';
import { readSpanRecords } from '../../src/analysis/otlp/read-spans.js';
import type { SpanRecord } from '../../src/analysis/otlp/span-record.js';

/** The span name that must never reach the page as markup. */
export const EVIL = '<script>alert(1)</script>';
export const EVIL_TOOL = '<img src=x onerror=alert(2)>';
const T0 = Date.parse('2026-04-24T10:00:00Z');

/** A fresh temp directory. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'oj-report-'));
}

/**
 * One agent turn measured by NVML, with two model calls and four tool calls (one failed, one named to inject HTML).
 * Joules: turn 100 (GPU 80, CPU 20) · gpt-x 30 · model-small 15 · search 12.5 + 7.5 = 20 · fetch 5 · evil 2.
 */
export class RunFixture {
  readonly exporter = new InMemorySpanExporter();
  private readonly _provider: BasicTracerProvider;

  constructor(method: 'counter' | 'estimate' = 'counter') {
    this._provider = new BasicTracerProvider({
      resource: resourceFromAttributes({
        'service.name': 'report-test',
        'openjoules.energy.sources': [method === 'estimate' ? 'estimate' : 'nvml'],
        'openjoules.energy.devices': ['nvml:gpu0=NVIDIA H100'],
      }),
      spanProcessors: [new SimpleSpanProcessor(this.exporter)],
    });
    this._method = method;
  }

  private readonly _method: string;

  /**
   * Adds the turn described above, `offsetS` seconds after 10:00:00 UTC; returns its trace id. `hosted`: its model
   * calls went to a hosted API and carry the estimate — gpt-x 300 J (200–400), model-small 50 J (40–60).
   */
  turn(offsetS = 0, conversation = 'c1', hosted = false): string {
    const tracer = this._provider.getTracer('openjoules-report-test');
    const at = (s: number): number => T0 + (offsetS + s) * 1000;
    const energy = (joules: number, extra: Attributes = {}): Attributes => ({
      'energy.joules': joules,
      'energy.attributed.joules': joules,
      'energy.source': this._method === 'estimate' ? 'estimate' : 'nvml',
      'energy.method': this._method,
      ...extra,
    });
    const root = tracer.startSpan('invoke_agent planner', {
      startTime: at(0),
      attributes: {
        'gen_ai.operation.name': 'invoke_agent',
        'gen_ai.agent.name': 'planner',
        'gen_ai.conversation.id': conversation,
        ...energy(100, { 'energy.gpu.joules': 80, 'energy.cpu.joules': 20, 'energy.mean.watts': 10, 'energy.peak.watts': 14 }),
      },
    });
    const child = (name: string, start: number, end: number, attributes: Attributes, error = false): Span => {
      const span = tracer.startSpan(name, { startTime: at(start), attributes }, trace.setSpan(context.active(), root));
      if (error) span.setStatus({ code: SpanStatusCode.ERROR, message: 'ECONNREFUSED' });
      span.end(at(end));
      return span;
    };
    const remote = (model: string, joules: number, min: number, max: number): Attributes =>
      hosted
        ? {
            'gen_ai.provider.name': 'openai',
            'energy.remote.joules': joules,
            'energy.remote.min_joules': min,
            'energy.remote.max_joules': max,
            'energy.remote.method': 'ecologits',
            'energy.remote.source': `openjoules table (EcoLogits 0.11.3 models.json): openai/${model}<b>`,
          }
        : {};
    const chat = (model: string, joules: number, output: number, estimate: Attributes): Attributes => ({
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': model,
      'gen_ai.usage.input_tokens': 100,
      'gen_ai.usage.output_tokens': output,
      'openjoules.cost.usd': 0.005,
      ...energy(joules),
      ...estimate,
    });
    const tool = (name: string, joules: number): Attributes => ({ 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': name, ...energy(joules) });
    child('chat gpt-x', 1, 4, chat('gpt-x', 30, 50, remote('gpt-x', 300, 200, 400)));
    child('execute_tool search', 4, 6, tool('search', 12.5));
    child('execute_tool search', 6, 7, tool('search', 7.5));
    child('execute_tool fetch', 7, 8, tool('fetch', 5), true);
    child(EVIL, 8, 8.5, tool(EVIL_TOOL, 2));
    child('chat model-small', 8, 10, chat('model-small', 15, 25, remote('model-small', 50, 40, 60)));
    root.end(at(10));
    return root.spanContext().traceId;
  }

  /** The spans as OTLP/JSON lines in a fresh temp file. */
  writeFile(extraLines: readonly string[] = []): string {
    const path = join(tempDir(), 'spans.jsonl');
    writeFileSync(path, [JSON.stringify(encodeTraceRequest(this.exporter.getFinishedSpans())), ...extraLines].map((l) => `${l}\n`).join(''));
    return path;
  }

  /** The spans round-tripped through a file, as the CLI reads them. */
  async records(): Promise<SpanRecord[]> {
    const out: SpanRecord[] = [];
    for await (const span of readSpanRecords([this.writeFile()], { strict: true })) out.push(span);
    return out;
  }
}
