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

/** Compiles test/doubles/<name>.c into a shared library named like the real one; returns its path. */
export function buildDouble(name: keyof typeof SONAMES): string {
  const source = join(doublesDir, `${name}.c`);
  const hash = createHash('sha256').update(readFileSync(source)).digest('hex').slice(0, 12);
  const dir = join(buildDir, `${name}-${hash}`);
  const out = join(dir, SONAMES[name]);
  if (existsSync(out)) return out;
  mkdirSync(dir, { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  execFileSync('cc', ['-shared', '-fPIC', '-O2', '-Wall', `-Wl,-soname,${SONAMES[name]}`, '-o', tmp, source], { stdio: 'pipe' });
  renameSync(tmp, out);
  return out;
}

/** The stand-in powermetrics program, made executable. */
export function powermetricsStandIn(): string {
  const path = join(doublesDir, 'powermetrics.mjs');
  chmodSync(path, 0o755);
  return path;
}
