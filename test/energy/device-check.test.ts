// scripts/device-check.sh on this machine, which has no GPU: it says so and stops within seconds; against the NVML
// double (OPENJOULES_NVML_LIBRARY) it runs every step that needs no nvidia-smi and prints its table. The nvidia-smi
// comparisons and the GPU load run only on a machine with an NVIDIA GPU.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, repoRoot } from '../helpers/build.js';
import { buildDouble } from './helpers/doubles.js';

const script = join(repoRoot, 'scripts', 'device-check.sh');

beforeAll(() => ensureBuilt(), 180_000);

describe('scripts/device-check.sh', () => {
  it('fails clearly and fast where there is no NVIDIA GPU', () => {
    const started = Date.now();
    // A PATH with node but without nvidia-smi, whatever this machine has.
    const result = spawnSync('bash', [script], { encoding: 'utf8', env: { PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, HOME: tmpdir() } });
    expect(result.status).toBe(3);
    expect(result.stderr).toMatch(/^device-check: no NVIDIA GPU here \(nvidia-smi not found\); nothing to check/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('runs its steps against the NVML double and prints one table', () => {
    const control = join(mkdtempSync(join(tmpdir(), 'oj-device-check-')), 'control');
    // A 50 ms counter and an instant field refreshed every 20 ms, on power that steps every 5 ms.
    const profile = Array.from({ length: 12000 }, (_, i) => `5:${[120000, 180000, 150000][i % 3]}`).join(',');
    writeFileSync(control, `tick_ms=50\ninstant_refresh_ms=20\nprofile=${profile}\n`);
    const result = spawnSync('bash', [script], {
      encoding: 'utf8',
      env: {
        ...process.env,
        OJ_NVML_DOUBLE_CONTROL: control,
        OPENJOULES_NVML_LIBRARY: buildDouble('nvml'),
        DEVICE_CHECK_LOAD_S: '12',
        DEVICE_CHECK_COST_S: '1',
      },
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const out = result.stdout;
    expect(out).toMatch(/^device-check: 1 GPU\(s\) via .*libnvidia-ml\.so\.1$/m);
    // The double ticks every 50 ms; a loaded host measures it within a few µs either side (49.996 ms seen).
    expect(out).toMatch(/^counter tick \/ power refresh +\| 0 NVIDIA Test Double 0 +\| (?:49\.9[5-9]\d|50\.0[0-4]\d) ms +\| ≤ 20\.0\d\d ms +\| measured/m);
    expect(out).toMatch(/^nvidia-smi comparison +\| – +\| skipped/m);
    expect(out).toMatch(/^sampler every 10 ms +\| 1 device\(s\) +\| -?\d+\.\d\d% of a core/m);
    expect(out).toMatch(/^span joules vs counter, 5 s spans +\| 0 \(no load: idle GPU/m);
  }, 120_000);
});
