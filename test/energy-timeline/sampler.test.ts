// The sampler in both modes: in-thread (resilience, latest readings) and on a worker thread against a fake RAPL tree.
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { energyConfigFromEnv } from '../../src/runtime/energy/sources/config.js';
import { startEnergySampler, startInProcessSampler } from '../../src/runtime/energy/sampler/sampler.js';
import { SimulatedEnergySource, constantPower } from '../../src/runtime/energy/sources/simulated.js';
import type { EnergySource } from '../../src/runtime/energy/sources/source.js';
import { powermetricsStandIn } from '../energy/helpers/doubles.js';
import { powercapTree } from '../helpers/powercap-tree.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0)) await f();
});

describe('startInProcessSampler', () => {
  it('survives a source that throws, records the fault, and keeps the others going', () => {
    let now = 1000;
    const good = new SimulatedEnergySource({ devices: [{ power: constantPower(50), counterPeriodMs: 0 }], now: () => now, originMs: 0 });
    const bad: EnergySource = {
      name: 'nvml',
      devices: () => [{ id: 'nvml:0', name: 'x', vendor: 'nvidia', hwType: 'gpu', component: 'gpu', source: 'nvml', method: 'counter' }],
      read: () => {
        throw new Error('GPU_IS_LOST');
      },
      close: () => {},
    };
    const sampler = startInProcessSampler([bad, good], { manual: true });
    cleanup.push(() => sampler.shutdown());
    for (let i = 0; i < 10; i++) {
      now += 10;
      sampler.sampleNow();
    }
    expect(sampler.status().faults).toEqual(['nvml: read() failed: Error: GPU_IS_LOST']);
    expect(sampler.status().devices.map((d) => d.id)).toEqual(['nvml:0', 'simulated:0']);
    const latest = sampler.latestReadings();
    expect(latest[0]?.reading).toBeUndefined();
    expect(latest[1]?.reading?.timeMs).toBe(1100);
    expect(sampler.timeline.joules(1, 1020, 1080)).toBeCloseTo(3, 9);
    expect(sampler.timeline.joules(0, 1020, 1080)).toBeUndefined();
  });

  it('samples on its own unref timer', async () => {
    const source = new SimulatedEnergySource({ devices: [{ power: constantPower(100), counterPeriodMs: 0 }] });
    const sampler = startInProcessSampler([source], { sampleIntervalMs: 2 });
    cleanup.push(() => sampler.shutdown());
    await vi.waitFor(() => expect(sampler.timeline.coveredUntil(0)).toBeGreaterThan(source.originMs + 5), { timeout: 5000 });
  });
});

describe('startEnergySampler (worker thread)', () => {
  it('opens RAPL in the worker and publishes readings the timeline answers from', async () => {
    const tree = powercapTree();
    cleanup.push(() => tree.remove());
    const root = tree.root;
    let microjoules = 1_000_000;
    const config = energyConfigFromEnv({
      OPENJOULES_ENERGY_SOURCES: 'rapl',
      OPENJOULES_RAPL_ROOT: root,
      OPENJOULES_SAMPLE_INTERVAL_MS: '5',
    });
    const sampler = await startEnergySampler(config);
    cleanup.push(() => sampler.shutdown());
    expect(sampler.status().devices.map((d) => [d.source, d.component])).toEqual([['rapl', 'cpu']]);
    // The counter moves (as the hardware would) while the worker samples it.
    const bump = setInterval(() => {
      microjoules += 50_000;
      writeFileSync(tree.energyFile, `${microjoules}\n`);
    }, 5);
    cleanup.push(() => clearInterval(bump));
    const tl = sampler.timeline;
    await vi.waitFor(
      () => {
        const covered = tl.coveredUntil(0);
        expect(covered).toBeGreaterThan(-Infinity);
        expect(tl.historyStart(0)).toBeLessThan(covered - 100);
      },
      { timeout: 10_000, interval: 10 },
    );
    const covered = tl.coveredUntil(0);
    expect(tl.joules(0, covered - 100, covered)).toBeGreaterThan(0);
    expect(sampler.latestReadings()[0]?.reading?.energyJoules).toBeGreaterThan(0);
    // A fault seen in the worker (which sleeps in Atomics.wait between samples, its event loop idle) still reaches us.
    clearInterval(bump);
    writeFileSync(tree.energyFile, '10\n');
    await vi.waitFor(() => expect(sampler.status().faults.join('\n')).toMatch(/went backwards/), { timeout: 10_000, interval: 10 });
    // Stopped through the shared flag at once, not by terminating it after the 2 s grace period.
    const t0 = performance.now();
    await sampler.shutdown();
    expect(performance.now() - t0).toBeLessThan(1500);
  });

  it('keeps its event loop turning for powermetrics, whose readings arrive on a stream', async () => {
    const config = energyConfigFromEnv({
      OPENJOULES_ENERGY_SOURCES: 'powermetrics',
      OPENJOULES_POWERMETRICS: powermetricsStandIn(),
      OPENJOULES_SAMPLE_INTERVAL_MS: '20',
    });
    const sampler = await startEnergySampler(config);
    cleanup.push(() => sampler.shutdown());
    expect(sampler.status().devices.map((d) => d.source)).toContain('powermetrics');
    const tl = sampler.timeline;
    await vi.waitFor(() => expect(tl.coveredUntil(0)).toBeGreaterThan(-Infinity), { timeout: 10_000, interval: 10 });
    const first = tl.coveredUntil(0);
    // New intervals keep coming: the worker reads the stream between samples instead of sleeping through it.
    await vi.waitFor(() => expect(tl.coveredUntil(0)).toBeGreaterThan(first + 50), { timeout: 10_000, interval: 10 });
    const t0 = performance.now();
    await sampler.shutdown();
    expect(performance.now() - t0).toBeLessThan(1500);
  });

  it('resolves with no devices and the reasons when nothing can be opened', async () => {
    const sampler = await startEnergySampler(
      energyConfigFromEnv({ OPENJOULES_ENERGY_SOURCES: 'rapl', OPENJOULES_RAPL_ROOT: join(tmpdir(), 'oj-no-such-root') }),
    );
    cleanup.push(() => sampler.shutdown());
    expect(sampler.status().devices).toEqual([]);
    expect(sampler.status().unavailable.map((u) => u.source)).toContain('rapl');
    expect(sampler.timeline.devices).toEqual([]);
  });
});
