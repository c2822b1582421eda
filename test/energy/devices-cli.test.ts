// `openjoules devices` in-process against the NVML double and a temp RAPL tree; and the lazy load of koffi.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatDevicesReport, runDevices, type DevicesReport } from '../../src/analysis/cli/devices.js';
import { buildDouble } from './helpers/doubles.js';

let env: NodeJS.ProcessEnv;

function sink(): Writable & { text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return Object.assign(stream, { text: () => chunks.join('') });
}

beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), 'oj-cli-'));
  // 150 W on average, stepping every 5 ms, so the instant field changes at each of its 20 ms refreshes.
  const profile = Array.from({ length: 1200 }, (_, i) => `5:${[120000, 180000, 150000][i % 3]}`).join(',');
  writeFileSync(join(dir, 'nvml-control'), `devices=1\ntick_ms=50\ninstant_refresh_ms=20\nprofile=${profile}\n`);
  process.env.OJ_NVML_DOUBLE_CONTROL = join(dir, 'nvml-control');
  const rapl = join(dir, 'powercap', 'intel-rapl:0');
  mkdirSync(rapl, { recursive: true });
  writeFileSync(join(rapl, 'name'), 'package-0\n');
  writeFileSync(join(rapl, 'energy_uj'), '5\n');
  writeFileSync(join(rapl, 'max_energy_range_uj'), '262143328850\n');
  env = {
    OPENJOULES_ENERGY_SOURCES: 'nvml,rocm_smi,rapl',
    OPENJOULES_NVML_LIBRARY: buildDouble('nvml'),
    OPENJOULES_ROCM_LIBRARY: '/nonexistent/librocm_smi64.so',
    OPENJOULES_RAPL_ROOT: join(dir, 'powercap'),
  };
});

describe('openjoules devices', () => {
  it('--json lists detected sources with a power readout and the reasons for the rest', async () => {
    const stdout = sink();
    const stderr = sink();
    expect(await runDevices({ json: true, intervalMs: 300 }, { stdout, stderr, env })).toBe(0);
    const report = JSON.parse(stdout.text()) as DevicesReport;
    expect(report.sources.map((s) => s.source)).toEqual(['nvml', 'rapl']);
    const gpu = report.sources[0]!.devices[0]!;
    expect(gpu).toMatchObject({ id: 'nvml:0', method: 'counter', powerFrom: 'energy_delta', utilization: 0.42 });
    // Measured at start-up: this double's counter ticks every 50 ms and its instant field refreshes every 20 ms.
    expect(gpu.counterPeriodMeasured).toBe(true);
    expect(gpu.counterPeriodMs).toBeGreaterThan(49);
    expect(gpu.counterPeriodMs).toBeLessThan(51);
    expect(gpu.powerRefreshMs).toBeGreaterThan(19);
    expect(gpu.powerRefreshMs).toBeLessThan(21);
    // The double's counter runs on CLOCK_MONOTONIC at 150 W; the readout divides by the JS timestamps of the two reads,
    // so scheduling jitter between a timestamp and its FFI call shows up: loose bounds, this checks the plumbing.
    expect(gpu.powerWatts!).toBeGreaterThan(100);
    expect(gpu.powerWatts!).toBeLessThan(200);
    expect(report.sources[1]!.devices[0]).toMatchObject({ id: 'rapl:intel-rapl:0', powerFrom: 'energy_delta', powerWatts: 0 });
    expect(report.unavailable).toEqual([{ source: 'rocm_smi', reason: expect.stringMatching(/not loadable/) as unknown as string }]);
    expect(stderr.text()).toBe('');
  });

  it('prints a table', () => {
    const text = formatDevicesReport({
      intervalMs: 1000,
      sources: [
        {
          source: 'nvml',
          devices: [
            { id: 'nvml:0', name: 'GPU', vendor: 'nvidia', hwType: 'gpu', component: 'gpu', source: 'nvml', method: 'power_integration', note: 'why', powerWatts: 12.34, powerFrom: 'energy_delta' },
            { id: 'nvml:1', name: 'GPU', vendor: 'nvidia', hwType: 'gpu', component: 'gpu', source: 'nvml', method: 'counter', counterPeriodMs: 99.94, counterPeriodMeasured: true, powerRefreshMs: 20.02 },
            { id: 'nvml:2', name: 'GPU', vendor: 'nvidia', hwType: 'gpu', component: 'gpu', source: 'nvml', method: 'counter', counterPeriodMs: 100 },
          ],
        },
      ],
      unavailable: [{ source: 'rapl', reason: 'no zones' }],
      faults: ['nvml:1: GPU_IS_LOST'],
    });
    expect(text).toContain('nvml:0  GPU   gpu   power_integration  12.3 W');
    expect(text).toMatch(/nvml:1 .* counter .* 99\.9 ms measured +≤ 20\.0 ms/);
    expect(text).toMatch(/nvml:2 .* 100\.0 ms assumed +–/);
    expect(text).toContain('  rapl         no zones');
    expect(text).toContain('note nvml:0: why');
    expect(text).toContain('nvml:1: GPU_IS_LOST');
  });

  it('does not load koffi until it runs', () => {
    const script = `
      import { createRequire } from 'node:module';
      await import(${JSON.stringify(join(process.cwd(), 'src/analysis/cli/devices.ts'))});
      const cache = createRequire(import.meta.url).cache;
      console.log(Object.keys(cache).some((k) => k.includes('koffi')) ? 'loaded' : 'lazy');
    `;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(out.trim()).toBe('lazy');
  });
});
