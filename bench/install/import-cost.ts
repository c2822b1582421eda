// What `import '<package>'` costs a fresh process: the time the import takes (median of fresh processes, no hooks
// attached) and the files it loads (scripts/loaded-modules/list.mjs, copied into the app so the specifier resolves
// from there).
import { execFileSync } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';

const lister = join(import.meta.dirname, '..', '..', 'scripts', 'loaded-modules');

/** Puts the lister into `app` (once per app). */
export function installLister(app: string): void {
  for (const file of ['list.mjs', 'hook.mjs']) copyFileSync(join(lister, file), join(app, file));
}

/** Milliseconds one fresh `node` process spends in `await import(specifier)`. */
export function importMs(app: string, specifier: string): number {
  const out = execFileSync(process.execPath, ['list.mjs', specifier, '--time'], { cwd: app, encoding: 'utf8' });
  return (JSON.parse(out) as { ms: number }).ms;
}

/** Absolute paths of the files a fresh process loads for `import(specifier)`. */
export function loadedFiles(app: string, specifier: string): string[] {
  const out = execFileSync(process.execPath, ['list.mjs', specifier], { cwd: app, encoding: 'utf8', maxBuffer: 16 << 20 });
  return (JSON.parse(out) as { files: string[] }).files;
}
