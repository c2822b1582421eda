// Detection across every backend: the C doubles, a temp sysfs tree, the stand-in powermetrics.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EnergyConfig } from '../../src/runtime/energy/sources/config.js';
import { detectEnergySources } from '../../src/runtime/energy/sources/detect.js';
import type { EnergySource } from '../../src/runtime/energy/sources/source.js';
import { buildDouble, powermetricsStandIn } from './helpers/doubles.js';

let nvmlLibrary: string;
let rocmLibrary: string;
let raplRoot: string;
const open: EnergySource[] = [];

beforeAll(() => {
  nvmlLibrary = buildDouble('nvml');
  rocmLibrary = buildDouble('rocm_smi');
  const dir = mkdtempSync(join(tmpdir(), 'oj-detect-'));
  // Both doubles read their control files; none given means one healthy device each.
  process.env.OJ_NVML_DOUBLE_CONTROL = join(dir, 'none');
  process.env.OJ_ROCM_DOUBLE_CONTROL = join(dir, 'none');
  raplRoot = join(dir, 'powercap');
  mkdirSync(join(raplRoot, 'intel-rapl:0'), { recursive: true });
  writeFileSync(join(raplRoot, 'intel-rapl:0', 'name'), 'package-0\n');
  writeFileSync(join(raplRoot, 'intel-rapl:0', 'energy_uj'), '1\n');
  writeFileSync(join(raplRoot, 'intel-rapl:0', 'max_energy_range_uj'), '262143328850\n');
});

afterEach(() => {
  for (const source of open.splice(0)) source.close();
});

async function detect(overrides: Partial<EnergyConfig>) {
  const result = await detectEnergySources({ sources: 'auto', nvmlLibrary, rocmLibrary, raplRoot, sampleIntervalMs: 10, ...overrides });
  open.push(...result.sources);
  return result;
}

describe('detectEnergySources', () => {
  it('auto opens every source present — GPUs and the CPU together — in the order NVIDIA, AMD, Apple, RAPL', async () => {
    const result = await detect({});
    const expected = process.platform === 'linux' ? ['nvml', 'rocm_smi', 'rapl'] : ['nvml', 'rocm_smi'];
    expect(result.sources.map((s) => s.name)).toEqual(expected);
    expect(result.unavailable.map((u) => u.source)).toEqual(['powermetrics', 'estimate']);
    for (const u of result.unavailable) expect(u.reason).not.toContain('\n');
  });

  it('never opens the estimate automatically, only when named', async () => {
    const auto = await detect({});
    expect(auto.sources.some((s) => s.name === 'estimate')).toBe(false);
    expect(auto.unavailable.find((u) => u.source === 'estimate')!.reason).toMatch(/opt in/);
    const named = await detect({ sources: ['estimate'] });
    expect(named.sources.map((s) => s.name)).toEqual(['estimate']);
    expect(named.sources[0]!.devices()[0]).toMatchObject({ source: 'estimate', method: 'estimate' });
  });

  it('none opens nothing', async () => {
    expect(await detect({ sources: 'none' })).toEqual({ sources: [], unavailable: [] });
  });

  it('a list opens exactly those, in its order', async () => {
    const result = await detect({ sources: ['rapl', 'nvml'] });
    expect(result.sources.map((s) => s.name)).toEqual(['rapl', 'nvml']);
    expect(result.unavailable).toEqual([]);
  });

  it('leaves simulated sources to code', async () => {
    const result = await detect({ sources: ['simulated'] });
    expect(result).toEqual({ sources: [], unavailable: [{ source: 'simulated', reason: 'simulated sources are constructed in code' }] });
  });

  it('never throws, and gives every failed source a one-line reason', async () => {
    const result = await detect({
      sources: ['nvml', 'rocm_smi', 'powermetrics', 'rapl'],
      nvmlLibrary: '/nope/libnvidia-ml.so.1',
      rocmLibrary: '/nope/librocm_smi64.so',
      powermetricsCommand: `${powermetricsStandIn()} --mode=denied`,
      raplRoot: '/nope',
    });
    expect(result.sources).toEqual([]);
    expect(result.unavailable.map((u) => u.source)).toEqual(['nvml', 'rocm_smi', 'powermetrics', 'rapl']);
    for (const u of result.unavailable) {
      expect(u.reason.length).toBeGreaterThan(0);
      expect(u.reason).not.toContain('\n');
    }
  });
});
