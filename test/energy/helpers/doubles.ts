// Builds the C test doubles (test/doubles/*.c) with the system C compiler into test/.build/, once per source version.
// Test files run in parallel processes, so each build goes to a unique temp name and is renamed into place.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const testDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const doublesDir = join(testDir, 'doubles');
const buildDir = join(testDir, '.build');

/** The real SONAME of each driver library; the double is built with it. */
const SONAMES = { nvml: 'libnvidia-ml.so.1', rocm_smi: 'librocm_smi64.so.7' } as const;

/** Headers the doubles include: a change to one rebuilds them all. */
const HEADERS = ['power_profile.h'];

/** Compiles test/doubles/<name>.c into a shared library named like the real one; returns its path. */
export function buildDouble(name: keyof typeof SONAMES): string {
  return compile(name, SONAMES[name], ['-shared', '-fPIC', `-Wl,-soname,${SONAMES[name]}`]);
}

/**
 * Compiles test/doubles/rapl_sysfs.c, the program that keeps a temp powercap tree's `energy_uj` files following a
 * power profile; returns the executable's path.
 */
export function buildRaplSysfsWriter(): string {
  return compile('rapl_sysfs', 'rapl_sysfs', [], ['-lm']);
}

function compile(name: string, output: string, flags: readonly string[], libs: readonly string[] = []): string {
  const source = join(doublesDir, `${name}.c`);
  const hash = createHash('sha256');
  for (const file of [source, ...HEADERS.map((h) => join(doublesDir, h))]) hash.update(readFileSync(file));
  const dir = join(buildDir, `${name}-${hash.digest('hex').slice(0, 12)}`);
  const out = join(dir, output);
  if (existsSync(out)) return out;
  mkdirSync(dir, { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  execFileSync('cc', [...flags, '-O2', '-Wall', '-o', tmp, source, ...libs], { stdio: 'pipe' });
  renameSync(tmp, out);
  return out;
}

/** The stand-in powermetrics program, made executable. */
export function powermetricsStandIn(): string {
  const path = join(doublesDir, 'powermetrics.mjs');
  chmodSync(path, 0o755);
  return path;
}
