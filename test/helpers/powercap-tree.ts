// Powercap trees in a temp directory, as Linux's RAPL driver lays them out (per zone: name, max_energy_range_uj,
// energy_uj): the test double the RAPL source reads through its real file paths.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Intel's RAPL range (max_energy_range_uj): 2^32 counts of 2^-14 J. */
export const RAPL_MAX_UJ = 262143328850;

/** The tree's root and its zone's `energy_uj`; `remove()` deletes it. */
export interface PowercapTree {
  readonly root: string;
  readonly energyFile: string;
  remove(): void;
}

/** Writes zone `dir` under `root` (its name and Intel's range; energy_uj is the caller's); returns the zone's path. */
function writeZone(root: string, dir: string, name: string): string {
  const zone = join(root, dir);
  mkdirSync(zone, { recursive: true });
  writeFileSync(join(zone, 'name'), `${name}\n`);
  writeFileSync(join(zone, 'max_energy_range_uj'), `${RAPL_MAX_UJ}\n`);
  return zone;
}

/** One socket's zones under `root`: package, and its core and dram subzones (energy_uj written by the caller). */
export function writeSocketZones(root: string): void {
  writeZone(root, 'intel-rapl:0', 'package-0');
  writeZone(root, 'intel-rapl:0:0', 'core');
  writeZone(root, 'intel-rapl:0:1', 'dram');
}

/** Makes `<tmp>/intel-rapl:0` named package-0, counting from `microjoules` (Intel's 2^32 × 61 µJ range). */
export function powercapTree(microjoules = 1_000_000): PowercapTree {
  const root = mkdtempSync(join(tmpdir(), 'oj-powercap-'));
  const energyFile = join(writeZone(root, 'intel-rapl:0', 'package-0'), 'energy_uj');
  writeFileSync(energyFile, `${String(microjoules).padStart(20)}\n`);
  return { root, energyFile, remove: () => rmSync(root, { recursive: true, force: true }) };
}
