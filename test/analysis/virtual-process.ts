// One process as the agreement tests need it: its own resource, its own stand-in devices (a SimulatedEnergySource
// sampled on a virtual clock), the real EnergySpanProcessor, and its spans written as our Collector-file JSONL.
import { writeFileSync } from 'node:fs';
import { ROOT_CONTEXT, trace, type Attributes, type Span } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import type { SimulatedDeviceOptions } from '../../src/runtime/energy/sources/simulated.js';
import { encodeTraceRequest } from '../../src/runtime/otlp/encode.js';
import { EnergySpanProcessor } from '../../src/runtime/span-processor/energy-span-processor.js';
import { drive, ORIGIN_MS } from '../energy-timeline/drive.js';
import { RecordingProcessor } from '../trace-energy/setup.js';

/** Epoch ms of virtual time 0. */
export const T0 = ORIGIN_MS;

export interface VirtualProcess {
  /** Starts a span at T0 + t ms (the devices sampled up to then), under `parent` (which may be another process's span). */
  start(name: string, t: number, attributes?: Attributes, parent?: Span): Span;
  /** Ends a span at T0 + t ms. */
  end(span: Span, t: number): void;
  /** Lets the devices report past the last span and hands every span on; returns them as one JSONL file at `path`. */
  writeJsonl(path: string, untilMs: number): Promise<void>;
  /** The joules the devices drew between T0 + from and T0 + to (the exact integral of their power). */
  deviceJoules(from: number, to: number): number;
  shutdown(): Promise<void>;
}

export function virtualProcess(resource: Attributes, devices: SimulatedDeviceOptions[]): VirtualProcess {
  const driven = drive(devices);
  const recorder = new RecordingProcessor();
  const processor = new EnergySpanProcessor({ timeline: driven.sampler.timeline, next: recorder, alignClocks: false, pollIntervalMs: 2 });
  const provider = new BasicTracerProvider({ resource: resourceFromAttributes(resource), spanProcessors: [processor] });
  const tracer = provider.getTracer('agreement-test');
  const at = (t: number): void => driven.runUntil(T0 + t);
  return {
    start(name, t, attributes, parent) {
      at(t);
      return tracer.startSpan(name, { startTime: T0 + t, attributes }, parent ? trace.setSpan(ROOT_CONTEXT, parent) : ROOT_CONTEXT);
    },
    end(span, t) {
      at(t);
      span.end(T0 + t);
    },
    async writeJsonl(path, untilMs) {
      at(untilMs);
      await processor.forceFlush();
      // One line per 3 spans, as a batch processor would write them.
      const lines: string[] = [];
      for (let i = 0; i < recorder.spans.length; i += 3) lines.push(JSON.stringify(encodeTraceRequest(recorder.spans.slice(i, i + 3))));
      writeFileSync(path, lines.map((l) => `${l}\n`).join(''));
    },
    deviceJoules(from, to) {
      let total = 0;
      for (const device of devices) {
        const power = device.power;
        if (typeof power !== 'number') throw new Error('deviceJoules: constant power only');
        total += (power * (to - from)) / 1000;
      }
      return total;
    },
    shutdown: () => provider.shutdown(),
  };
}
