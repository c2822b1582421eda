// The processor dropped into a host's own SDK with no await: NodeSDK, NodeTracerProvider, and beside the exporter's
// processor. Energy from the NVML C double through the process-wide sampler, started on first use from the environment.
import { ROOT_CONTEXT, context, propagation, trace, type Tracer } from '@opentelemetry/api';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan, type Span, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { Context } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shutdownSharedEnergySampler } from '../../src/runtime/energy/sampler/shared-sampler.js';
import { ATTR_ENERGY_ATTRIBUTED_JOULES, ATTR_ENERGY_JOULES, ATTR_ENERGY_MEAN_WATTS, ATTR_ENERGY_METHOD, ATTR_ENERGY_SOURCE } from '../../src/semconv.js';
import { EnergySpanProcessor } from '../../src/runtime/span-processor/energy-span-processor.js';
import { DOUBLE_WATTS, nvmlDoubleEnv } from './nvml-env.js';

beforeAll(() => {
  nvmlDoubleEnv();
});
afterAll(() => shutdownSharedEnergySampler());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An agent turn with two parallel tool calls of ~`ms` each, the tools children of the turn. */
async function turn(tracer: Tracer, ms: number): Promise<void> {
  const root = tracer.startSpan('invoke_agent planner');
  const ctx = trace.setSpan(ROOT_CONTEXT, root);
  await Promise.all(
    ['search', 'fetch'].map(async (name) => {
      const tool = tracer.startSpan(`execute_tool ${name}`, {}, ctx);
      await sleep(ms);
      tool.end();
    }),
  );
  root.end();
}

function named(spans: readonly ReadableSpan[], name: string): ReadableSpan {
  const found = spans.filter((s) => s.name === name);
  if (found.length !== 1) throw new Error(`expected one "${name}", got ${found.length}: ${spans.map((s) => s.name).join(', ')}`);
  return found[0]!;
}

function energyKeys(span: ReadableSpan): string[] {
  return Object.keys(span.attributes).filter((k) => k.startsWith('energy.'));
}

/** Checks a finished turn: joules at the double's power, the tools' shares within the turn's. */
function expectMeasuredTurn(spans: readonly ReadableSpan[], method: string | RegExp): void {
  const root = named(spans, 'invoke_agent planner');
  for (const span of [root, named(spans, 'execute_tool search'), named(spans, 'execute_tool fetch')]) {
    expect(span.attributes[ATTR_ENERGY_SOURCE], span.name).toBe('nvml');
    expect(String(span.attributes[ATTR_ENERGY_METHOD]), span.name).toMatch(method);
    const seconds = span.duration[0] + span.duration[1] / 1e9;
    // Real time, in the sampler's first few hundred ms: where the counter ticked is known to a sample interval until it
    // has seen a few ticks, so within ~10% (exact later: host-preload.test.ts).
    const joules = span.attributes[ATTR_ENERGY_JOULES] as number;
    expect(Math.abs(joules / (DOUBLE_WATTS * seconds) - 1), `${span.name}: ${joules} J in ${seconds} s`).toBeLessThan(0.1);
    expect(Math.abs((span.attributes[ATTR_ENERGY_MEAN_WATTS] as number) / DOUBLE_WATTS - 1), span.name).toBeLessThan(0.1);
  }
  const shares = ['execute_tool search', 'execute_tool fetch'].map((n) => named(spans, n).attributes[ATTR_ENERGY_ATTRIBUTED_JOULES] as number);
  expect(shares[0]! + shares[1]!).toBeLessThanOrEqual((root.attributes[ATTR_ENERGY_JOULES] as number) + 1e-9);
  expect(root.attributes[ATTR_ENERGY_ATTRIBUTED_JOULES] as number).toBeCloseTo(root.attributes[ATTR_ENERGY_JOULES] as number, 6);
}

describe('EnergySpanProcessor in a host SDK, with no await', () => {
  it('NodeSDK: spans pass through untouched until the shared sampler is ready, then carry counter-exact joules', async () => {
    const exporter = new InMemorySpanExporter();
    const energy = new EnergySpanProcessor({ next: new SimpleSpanProcessor({ exporter }) });
    const sdk = new NodeSDK({ spanProcessors: [energy], autoDetectResources: false, instrumentations: [] });
    sdk.start();
    try {
      const tracer = trace.getTracer('host-app');
      tracer.startSpan('before the sampler is ready').end();
      // Not held: it went straight on, with no energy.
      expect(energyKeys(named(exporter.getFinishedSpans(), 'before the sampler is ready'))).toEqual([]);
      expect(await energy.whenReady()).toBe(true);
      await turn(tracer, 150);
      await energy.forceFlush();
      expectMeasuredTurn(exporter.getFinishedSpans(), 'counter');
    } finally {
      await sdk.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    }
  });

  it('NodeTracerProvider: the tools run as children of the turn through context, and share its joules', async () => {
    const exporter = new InMemorySpanExporter();
    const energy = new EnergySpanProcessor({ next: new BatchSpanProcessor({ exporter, scheduledDelayMillis: 10 }) });
    const provider = new NodeTracerProvider({ spanProcessors: [energy] });
    try {
      const tracer = provider.getTracer('host-app');
      expect(await energy.whenReady()).toBe(true);
      await turn(tracer, 120);
      await provider.forceFlush();
      expectMeasuredTurn(exporter.getFinishedSpans(), 'counter');
      expect(energy.stats()).toMatchObject({ heldSpans: 0, timeoutReleases: 0, overflowReleases: 0 });
    } finally {
      await provider.shutdown();
    }
  });

  it('beside the exporter\'s BatchSpanProcessor (no next): the batch processor exports the spans with their energy, none held', async () => {
    const exporter = new InMemorySpanExporter();
    const energy = new EnergySpanProcessor();
    const provider = new TracerProvider({ spanProcessors: [energy, new BatchSpanProcessor({ exporter, scheduledDelayMillis: 10 })] });
    try {
      const tracer = provider.getTracer('host-app');
      expect(await energy.whenReady()).toBe(true);
      await sleep(250); // the counter's first ticks: before them there is nothing to extrapolate from
      await turn(tracer, 120);
      expect(energy.stats()).toMatchObject({ heldSpans: 0, immediateSpans: 3, finalizing: 'immediate' });
      await provider.forceFlush();
      // Finalised as each span ended: the tail past the newest tick is an estimate.
      expectMeasuredTurn(exporter.getFinishedSpans(), /^(estimate|counter)$/);
      expect(named(exporter.getFinishedSpans(), 'invoke_agent planner').attributes[ATTR_ENERGY_METHOD]).toBe('estimate');
    } finally {
      await provider.shutdown();
    }
  });

  it('takes a sampler, or a promise of one, and an explicit timeline: undefined as a pass-through', async () => {
    const { sharedEnergySampler } = await import('../../src/runtime/energy/sampler/shared-sampler.js');
    const sampler = await sharedEnergySampler();
    expect(sampler).toBeDefined();
    for (const options of [{ sampler }, { sampler: Promise.resolve(sampler) }, { sampler: Promise.resolve(undefined) }, { timeline: undefined }]) {
      const exporter = new InMemorySpanExporter();
      const energy = new EnergySpanProcessor({ ...options, next: new SimpleSpanProcessor({ exporter }) });
      const provider = new TracerProvider({ spanProcessors: [energy] });
      const measuring = await energy.whenReady();
      expect(measuring).toBe(options.sampler !== undefined && (await options.sampler) !== undefined);
      provider.getTracer('t').startSpan('s').end();
      await provider.forceFlush();
      expect(energyKeys(named(exporter.getFinishedSpans(), 's')).length > 0).toBe(measuring);
      await provider.shutdown();
    }
  });
});

/** An SDK older than sdk-trace 2.3: its processors are never told `onEnding`. */
class WithoutOnEnding implements SpanProcessor {
  constructor(private readonly _inner: SpanProcessor) {}
  onStart(span: Span, parentContext: Context): void {
    this._inner.onStart(span, parentContext);
  }
  onEnd(span: ReadableSpan): void {
    this._inner.onEnd(span);
  }
  forceFlush(): Promise<void> {
    return this._inner.forceFlush();
  }
  shutdown(): Promise<void> {
    return this._inner.shutdown();
  }
}

describe('beside the exporter\'s processor, where it cannot work', () => {
  it('an SDK without onEnding: one warning line, spans go on without energy, nothing kept', async () => {
    const warnings: string[] = [];
    const exporter = new InMemorySpanExporter();
    const energy = new EnergySpanProcessor({ warn: (m) => warnings.push(m) });
    const provider = new TracerProvider({ spanProcessors: [new WithoutOnEnding(energy), new SimpleSpanProcessor({ exporter })] });
    expect(await energy.whenReady()).toBe(true);
    await sleep(250);
    for (let i = 0; i < 3; i++) provider.getTracer('old-sdk').startSpan(`s${i}`).end();
    await provider.forceFlush();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/does not call onEnding.*new EnergySpanProcessor\(\{ next/);
    expect(exporter.getFinishedSpans().map(energyKeys)).toEqual([[], [], []]);
    expect(energy.stats().heldSpans).toBe(0);
    await provider.shutdown();
  });

  it("finalize 'exact' without next: says it needs to wrap the exporter's processor", () => {
    const warnings: string[] = [];
    const energy = new EnergySpanProcessor({ timeline: undefined, finalize: 'exact', warn: (m) => warnings.push(m) });
    expect(warnings).toEqual([expect.stringMatching(/finalize 'exact' needs it to wrap the exporter's processor \(\{ next \}\)/)]);
    expect(energy.stats().finalizing).toBe('immediate');
  });
});
