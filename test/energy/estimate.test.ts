// The opt-in estimate: TDP × host CPU utilization from os.cpus().
import { describe, expect, it } from 'vitest';
import { DEFAULT_CPU_TDP_WATTS, EstimateSource, resolveCpuTdp } from '../../src/runtime/energy/sources/estimate.js';

describe('EstimateSource', () => {
  it('labels itself an estimate and stays within TDP × elapsed time', async () => {
    const source = EstimateSource.open({ cpuTdpWatts: 100 });
    const [device] = source.devices();
    expect(device).toMatchObject({ id: 'estimate:cpu', source: 'estimate', method: 'estimate', component: 'cpu', hwType: 'cpu' });
    expect(device!.note).toMatch(/estimate, not a measurement: TDP 100 W \(OPENJOULES_CPU_TDP_WATTS\)/);
    expect(source.read()).toEqual([]); // under 100 ms since open: nothing new
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, 150));
    const [reading] = source.read();
    const elapsedS = (performance.now() - t0) / 1000;
    expect(reading!.utilization!).toBeGreaterThanOrEqual(0);
    expect(reading!.utilization!).toBeLessThanOrEqual(1);
    expect(reading!.energyJoules!).toBeGreaterThanOrEqual(0);
    expect(reading!.energyJoules!).toBeLessThanOrEqual(100 * (elapsedS + 0.05));
    expect(reading!.averagePowerWatts).toBeCloseTo(100 * reading!.utilization!, 9);
    source.close();
    expect(source.read()).toEqual([]);
  });

  it('takes the TDP from the config, then the model table, then 85 W', () => {
    expect(resolveCpuTdp(42, 'AMD EPYC 7763 64-Core Processor')).toEqual({ watts: 42, from: 'OPENJOULES_CPU_TDP_WATTS' });
    expect(resolveCpuTdp(undefined, 'AMD EPYC 7763 64-Core Processor')).toEqual({ watts: 280, from: 'CPU model table' });
    expect(resolveCpuTdp(undefined, 'Mystery CPU')).toEqual({ watts: DEFAULT_CPU_TDP_WATTS, from: 'default' });
    expect(DEFAULT_CPU_TDP_WATTS).toBe(85);
  });
});
