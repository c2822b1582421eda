// The processor on the OpenTelemetry JS 3.x line (@opentelemetry/sdk-trace 3.1, sdk-node 0.301, api 1.10): NodeSDK with
// no await, TracerProvider wrapping and beside, no SDK-private field touched. The 3.x line lives in bench/.otel3
// (`npm install` there) and needs Node >= 22.15:
//   npx -y -p node@24 npx vitest run test/trace-energy/otel-3x-line.test.ts
// Anywhere else this file says why it did not run.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type * as Api from '@opentelemetry/api';
import type * as SdkTrace from '@opentelemetry/sdk-trace';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startInProcessSampler } from '../../src/runtime/energy/sampler/sampler.js';
import { shutdownSharedEnergySampler } from '../../src/runtime/energy/sampler/shared-sampler.js';
import { SimulatedEnergySource } from '../../src/runtime/energy/sources/simulated.js';
import { ATTR_ENERGY_ATTRIBUTED_JOULES, ATTR_ENERGY_JOULES, ATTR_ENERGY_METHOD, ATTR_ENERGY_SOURCE } from '../../src/semconv.js';
import { EnergySpanProcessor } from '../../src/runtime/span-processor/energy-span-processor.js';
import { repoRoot } from '../helpers/build.js';
import { DOUBLE_WATTS, nvmlDoubleEnv } from './nvml-env.js';
import { PrivateFieldGuard } from './private-field-guard.js';

const line3 = join(repoRoot, 'bench', '.otel3');
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
const why =
  major < 22 || (major === 22 && minor < 15)
    ? `needs Node >= 22.15 (this is ${process.version}); run it with npx -y -p node@24 npx vitest run ${'test/trace-energy/otel-3x-line.test.ts'}`
    : !existsSync(join(line3, 'node_modules', '@opentelemetry', 'sdk-node'))
      ? 'needs the 3.x line installed in bench/.otel3 (npm install there)'
      : undefined;
if (why) console.warn(`otel-3x-line.test.ts: not run: ${why}`);

interface Line3 {
  api: typeof Api;
  sdk: typeof SdkTrace;
  NodeSDK: new (config: object) => { start(): void; shutdown(): Promise<void> };
  version: string;
}
let line: Line3;

beforeAll(() => {
  if (why) return;
  const require3 = createRequire(join(line3, 'package.json'));
  const sdk = require3('@opentelemetry/sdk-trace') as typeof SdkTrace;
  line = {
    api: require3('@opentelemetry/api') as typeof Api,
    sdk,
    NodeSDK: (require3('@opentelemetry/sdk-node') as { NodeSDK: Line3['NodeSDK'] }).NodeSDK,
    version: String(require3.resolve('@opentelemetry/sdk-trace')),
  };
  nvmlDoubleEnv();
});
afterAll(() => shutdownSharedEnergySampler());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function named(spans: readonly ReadableSpan[], name: string): ReadableSpan {
  const found = spans.filter((s) => s.name === name);
  if (found.length !== 1) throw new Error(`expected one "${name}", got ${found.length}`);
  return found[0]!;
}

describe.skipIf(why !== undefined)('EnergySpanProcessor on the OpenTelemetry JS 3.x line', () => {
  it('a child span is given the very SpanContext object its parent returns (what the slot lookup relies on)', () => {
    const provider = new line.sdk.TracerProvider();
    const tracer = provider.getTracer('t');
    const parent = tracer.startSpan('parent');
    const child = tracer.startSpan('child', {}, line.api.trace.setSpan(line.api.ROOT_CONTEXT, parent)) as unknown as ReadableSpan;
    expect(child.parentSpanContext).toBe(parent.spanContext());
    expect(line.version).toContain(join('bench', '.otel3'));
  });

  it('NodeSDK 0.301 with no await: a turn with two tools gets counter-exact joules from the NVML double', async () => {
    const exporter = new line.sdk.InMemorySpanExporter();
    const energy = new EnergySpanProcessor({ next: new line.sdk.SimpleSpanProcessor({ exporter }) });
    const sdk = new line.NodeSDK({ spanProcessors: [energy], autoDetectResources: false, instrumentations: [] });
    sdk.start();
    try {
      const tracer = line.api.trace.getTracer('host-app');
      tracer.startSpan('before ready').end();
      expect(Object.keys(named(exporter.getFinishedSpans(), 'before ready').attributes)).toEqual([]);
      expect(await energy.whenReady()).toBe(true);
      await tracer.startActiveSpan('invoke_agent planner', async (turn) => {
        await Promise.all(
          ['search', 'fetch'].map((name) =>
            tracer.startActiveSpan(`execute_tool ${name}`, async (tool) => {
              await sleep(150);
              tool.end();
            }),
          ),
        );
        turn.end();
      });
      await energy.forceFlush();
      const spans = exporter.getFinishedSpans();
      const turn = named(spans, 'invoke_agent planner');
      for (const span of [turn, named(spans, 'execute_tool search'), named(spans, 'execute_tool fetch')]) {
        expect(span.attributes[ATTR_ENERGY_SOURCE]).toBe('nvml');
        expect(span.attributes[ATTR_ENERGY_METHOD]).toBe('counter');
        // Real time, in the sampler's first few hundred ms: where the counter ticked is known to a sample interval until
        // it has seen a few ticks, so within ~10% (exact later: host-preload.test.ts).
        const seconds = span.duration[0] + span.duration[1] / 1e9;
        expect(Math.abs((span.attributes[ATTR_ENERGY_JOULES] as number) / (DOUBLE_WATTS * seconds) - 1), span.name).toBeLessThan(0.1);
      }
      // Children through context: the tools share the turn's energy.
      const shares = ['execute_tool search', 'execute_tool fetch'].map((n) => named(spans, n).attributes[ATTR_ENERGY_ATTRIBUTED_JOULES] as number);
      expect(shares[0]! + shares[1]!).toBeLessThanOrEqual((turn.attributes[ATTR_ENERGY_JOULES] as number) + 1e-9);
      expect(named(spans, 'execute_tool search').parentSpanContext?.spanId).toBe(turn.spanContext().spanId);
    } finally {
      await sdk.shutdown();
      line.api.trace.disable();
      line.api.context.disable();
    }
  });

  for (const [mode, beside, finalize] of [
    ['wrapping, exact', false, 'exact'],
    ['wrapping, immediate', false, 'immediate'],
    ['beside', true, undefined],
  ] as const) {
    it(`TracerProvider, ${mode}: spans carry joules and no SDK-private field is touched`, async () => {
      const sampler = startInProcessSampler([new SimulatedEnergySource({ devices: [{ power: 150 }] })], { sampleIntervalMs: 2 });
      try {
        await vi.waitFor(() => expect(sampler.timeline.coveredUntilAll()).toBeGreaterThan(-Infinity), { timeout: 5000, interval: 5 });
        const exporter = new line.sdk.InMemorySpanExporter();
        const batch = new line.sdk.BatchSpanProcessor({ exporter, scheduledDelayMillis: 5 });
        const energy = new EnergySpanProcessor({ timeline: sampler.timeline, pollIntervalMs: 2, ...(beside ? {} : { next: batch, finalize }) });
        const guard = new PrivateFieldGuard(energy);
        const provider = new line.sdk.TracerProvider({ spanProcessors: beside ? [guard, batch] : [guard] });
        const tracer = provider.getTracer('guarded');
        const turn = tracer.startSpan('turn');
        const tool = tracer.startSpan('tool', {}, line.api.trace.setSpan(line.api.ROOT_CONTEXT, turn));
        await sleep(20);
        tool.end();
        turn.end();
        await provider.forceFlush();
        const spans = exporter.getFinishedSpans();
        await provider.shutdown();
        expect([...guard.touched]).toEqual([]);
        for (const span of spans) expect(span.attributes[ATTR_ENERGY_JOULES], span.name).toBeGreaterThan(0);
        expect(spans.map((s) => s.name).sort()).toEqual(['tool', 'turn']);
        expect(named(spans, 'turn').attributes[ATTR_ENERGY_ATTRIBUTED_JOULES] as number).toBeCloseTo(named(spans, 'turn').attributes[ATTR_ENERGY_JOULES] as number, 6);
      } finally {
        await sampler.shutdown();
      }
    });
  }
});
