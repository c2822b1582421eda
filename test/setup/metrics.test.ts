import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedEnergySource } from '../../src/runtime/energy/sources/simulated.js';
import { startOpenJoules, type OpenJoules } from '../../src/runtime/setup/start.js';
import { withToolCall } from '../../src/runtime/api/agent-spans.js';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

let running: OpenJoules | undefined;
afterEach(async () => {
  await running?.shutdown();
  running = undefined;
});

describe('metrics', () => {
  it('OTEL_METRICS_EXPORTER=prometheus serves hw.* per device and the per-operation energy histogram for scraping', async () => {
    const port = await freePort();
    const spans = new InMemorySpanExporter();
    running = await startOpenJoules({
      env: { OTEL_METRICS_EXPORTER: 'prometheus', OTEL_EXPORTER_PROMETHEUS_PORT: String(port), OTEL_SERVICE_NAME: 'metrics-test' },
      energy: [new SimulatedEnergySource({ devices: [{ power: 250, id: 'gpu0', name: 'Simulated H100', counterPeriodMs: 0 }] })],
      traceExporters: [spans],
      scheduledDelayMillis: 10,
      warn: () => {},
    });
    await withToolCall({ name: 'search' }, () => new Promise((r) => setTimeout(r, 60)));
    await new Promise((r) => setTimeout(r, 100));
    await running.forceFlush();
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const line = (name: string): string | undefined => text.split('\n').find((l) => l.startsWith(name) && l.includes('hw_id="gpu0"'));
    const energy = line('hw_energy');
    expect(energy, text).toBeDefined();
    expect(Number(energy!.split(' ').at(-1))).toBeGreaterThan(0);
    const power = line('hw_power');
    expect(Number(power!.split(' ').at(-1))).toBeCloseTo(250, 0);
    expect(energy).toContain('hw_type="gpu"');
    expect(energy).toContain('hw_name="Simulated H100"');
    // one execute_tool span of ~60 ms at 250 W ≈ 15 J, in the per-operation histogram
    const sum = text.split('\n').find((l) => l.startsWith('openjoules_operation_energy') && l.includes('_sum') && l.includes('gen_ai_tool_name="search"'));
    expect(sum, text).toBeDefined();
    expect(Number(sum!.split(' ').at(-1))).toBeGreaterThan(10);
    const span = spans.getFinishedSpans().find((s) => s.name === 'execute_tool search');
    expect(span?.attributes['energy.joules']).toBeGreaterThan(10);
  });
});
