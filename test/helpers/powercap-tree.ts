// A one-zone powercap tree in a temp directory, as Linux's RAPL driver lays it out (name, max_energy_range_uj,
// energy_uj): the test double the RAPL source reads through its real file path.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The tree's root and its zone's `energy_uj`; `remove()` deletes it. */
export interface PowercapTree {
  readonly root: string;
  readonly energyFile: string;
  remove(): void;
}

/** Makes `<tmp>/intel-rapl:0` named package-0, counting from `microjoules` (Intel's 2^32 × 61 µJ range). */
export function powercapTree(microjoules = 1_000_000): PowercapTree {
  const root = mkdtempSync(join(tmpdir(), 'oj-powercap-'));
  const zone = join(root, 'intel-rapl:0');
  mkdirSync(zone);
  writeFileSync(join(zone, 'name'), 'package-0\n');
  writeFileSync(join(zone, 'max_energy_range_uj'), '262143328850\n');
  const energyFile = join(zone, 'energy_uj');
  writeFileSync(energyFile, `${String(microjoules).padStart(20)}\n`);
  return { root, energyFile, remove: () => rmSync(root, { recursive: true, force: true }) };
}
