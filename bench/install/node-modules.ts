// What an install put on disk: every package instance under node_modules (nested copies counted apart), their bytes,
// and the versions of each @opentelemetry/* package.
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One installed package directory. */
export interface InstalledPackage {
  readonly name: string;
  readonly version: string;
  /** Path relative to the app, e.g. node_modules/a/node_modules/b. */
  readonly path: string;
  /** Bytes of its own files (apparent size; nested node_modules not included). */
  readonly bytes: number;
}

/** Totals of one app's node_modules. */
export interface InstallFootprint {
  readonly packages: readonly InstalledPackage[];
  /** Apparent bytes of every file under node_modules. */
  readonly bytes: number;
  /** Disk usage in bytes (allocated blocks, what `du` reports). */
  readonly diskBytes: number;
  /** Installed versions of each @opentelemetry/* package, one entry per copy. */
  readonly otelCopies: ReadonlyMap<string, readonly string[]>;
}

function dirBytes(dir: string): { bytes: number; disk: number } {
  let bytes = 0;
  let disk = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name === 'node_modules') continue; // counted as packages of their own
      const sub = dirBytes(path);
      bytes += sub.bytes;
      disk += sub.disk;
    } else {
      const st = lstatSync(path);
      bytes += st.size;
      disk += st.blocks * 512;
    }
  }
  return { bytes, disk };
}

/** Walks `<app>/node_modules` and everything nested in it. */
export function measureInstall(app: string): InstallFootprint {
  const packages: InstalledPackage[] = [];
  let bytes = 0;
  let diskBytes = 0;
  const visit = (nodeModules: string, rel: string): void => {
    let entries;
    try {
      entries = readdirSync(nodeModules, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
      const dirs = entry.name.startsWith('@')
        ? readdirSync(join(nodeModules, entry.name), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => `${entry.name}/${e.name}`)
        : [entry.name];
      for (const dir of dirs) {
        const abs = join(nodeModules, dir);
        const path = `${rel}/${dir}`;
        let manifest: { name?: string; version?: string } = {};
        try {
          manifest = JSON.parse(readFileSync(join(abs, 'package.json'), 'utf8')) as typeof manifest;
        } catch {
          continue;
        }
        const size = dirBytes(abs);
        bytes += size.bytes;
        diskBytes += size.disk;
        packages.push({ name: manifest.name ?? dir, version: manifest.version ?? '?', path, bytes: size.bytes });
        visit(join(abs, 'node_modules'), `${path}/node_modules`);
      }
    }
  };
  visit(join(app, 'node_modules'), 'node_modules');
  const otelCopies = new Map<string, string[]>();
  for (const p of packages.filter((p) => p.name.startsWith('@opentelemetry/')).sort((a, b) => a.name.localeCompare(b.name))) {
    otelCopies.set(p.name, [...(otelCopies.get(p.name) ?? []), p.version]);
  }
  return { packages, bytes, diskBytes, otelCopies };
}
