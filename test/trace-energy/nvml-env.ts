// The NVML C double (test/doubles/nvml.c, built by the tests) as the process's energy source, through the environment a
// user would set: the shared sampler reads it on first use.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDouble } from '../energy/helpers/doubles.js';

/** Constant power of the double's one GPU, watts. */
export const DOUBLE_WATTS = 100;

/**
 * Environment that makes `energyConfigFromEnv()` open the NVML double: one GPU at {@link DOUBLE_WATTS}, its energy
 * counter ticking every 100 ms like a real one. Also applied to `process.env` when `apply` is true.
 */
export function nvmlDoubleEnv(apply = true): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'oj-nvml-env-'));
  const control = join(dir, 'nvml.control');
  writeFileSync(control, `devices=1\npower_mw=${DOUBLE_WATTS * 1000}\ntick_ms=100\n`);
  const env = {
    OPENJOULES_ENERGY_SOURCES: 'nvml',
    OPENJOULES_NVML_LIBRARY: buildDouble('nvml'),
    OJ_NVML_DOUBLE_CONTROL: control,
  };
  if (apply) Object.assign(process.env, env);
  return env;
}
