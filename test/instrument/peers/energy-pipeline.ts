// The energy processor in front of an in-memory exporter, over a simulated 100 W device sampled on this thread.
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { startInProcessSampler } from '../../../src/runtime/energy/sampler/sampler.js';
import { SimulatedEnergySource } from '../../../src/runtime/energy/sources/simulated.js';
import { EnergySpanProcessor } from '../../../src/runtime/span-processor/energy-span-processor.js';

export interface EnergyPipeline {
  readonly processor: EnergySpanProcessor;
  readonly exporter: InMemorySpanExporter;
  /** Completes held spans and stops sampling; read the exporter before, its spans go at shutdown. */
  shutdown(): Promise<void>;
}

export function energyPipeline(): EnergyPipeline {
  const sampler = startInProcessSampler([new SimulatedEnergySource({ devices: [{ power: 100, counterPeriodMs: 0 }] })], { sampleIntervalMs: 5 });
  const exporter = new InMemorySpanExporter();
  const processor = new EnergySpanProcessor({ timeline: sampler.timeline, next: new SimpleSpanProcessor(exporter) });
  return {
    processor,
    exporter,
    shutdown: async () => {
      await processor.shutdown();
      await sampler.shutdown();
    },
  };
}
