// A real SDK pipeline with the energy processor over a simulated source on a virtual clock.
import { ROOT_CONTEXT, trace, type Context, type Span as ApiSpan, type Tracer } from '@opentelemetry/api';
import { BasicTracerProvider, type ReadableSpan, type Span, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { SimulatedDeviceOptions } from '../../src/runtime/energy/sources/simulated.js';
import { EnergySpanProcessor, type EnergySpanProcessorOptions } from '../../src/runtime/span-processor/energy-span-processor.js';
import { ORIGIN_MS, drive, type Driven } from '../energy-timeline/drive.js';

export const T = ORIGIN_MS;

/** The processor after ours: keeps what it is given (an InMemorySpanExporter would forget it all at shutdown). */
export class RecordingProcessor implements SpanProcessor {
  readonly spans: ReadableSpan[] = [];
  onStart(_span: Span, _context: Context): void {}
  onEnd(span: ReadableSpan): void {
    this.spans.push(span);
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

export interface Pipeline {
  readonly driven: Driven;
  readonly processor: EnergySpanProcessor;
  readonly recorder: RecordingProcessor;
  readonly provider: BasicTracerProvider;
  readonly tracer: Tracer;
  /** Samples up to virtual time T + t (the agent's time passing). */
  at(t: number): void;
  /** Starts a span at T + t (after sampling up to then), optionally under `parent`. */
  start(name: string, t: number, parent?: ApiSpan, attributes?: Record<string, number | string>): ApiSpan;
  /** Ends a span at T + t (after sampling up to then). */
  end(span: ApiSpan, t: number): void;
  /** The span named `name` that reached the next processor. */
  get(name: string): ReadableSpan;
}

export function pipeline(
  devices: SimulatedDeviceOptions[],
  options: Partial<Omit<EnergySpanProcessorOptions, 'next'>> = {},
): Pipeline {
  const driven = drive(devices);
  const recorder = new RecordingProcessor();
  const processor = new EnergySpanProcessor({
    timeline: driven.sampler.timeline,
    next: recorder,
    alignClocks: false,
    pollIntervalMs: 2,
    ...options,
  });
  const provider = new BasicTracerProvider({ spanProcessors: [processor] });
  const tracer = provider.getTracer('test');
  const at = (t: number): void => driven.runUntil(T + t);
  return {
    driven,
    processor,
    recorder,
    provider,
    tracer,
    at,
    start(name, t, parent, attributes) {
      at(t);
      const ctx = parent ? trace.setSpan(ROOT_CONTEXT, parent) : ROOT_CONTEXT;
      return tracer.startSpan(name, { startTime: T + t, ...(attributes ? { attributes } : {}) }, ctx);
    },
    end(span, t) {
      at(t);
      span.end(T + t);
    },
    get(name) {
      const found = recorder.spans.filter((s) => s.name === name);
      if (found.length !== 1) throw new Error(`expected one span "${name}", got ${found.length}`);
      return found[0]!;
    },
  };
}

export function num(span: ReadableSpan, key: string): number {
  const v = span.attributes[key];
  if (typeof v !== 'number') throw new Error(`${span.name}: ${key} is ${String(v)}`);
  return v;
}
