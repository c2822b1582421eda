#!/usr/bin/env node
// list.mjs <specifier|path> [--time]: imports one module in this fresh process and prints, as JSON, the files that
// import loaded — ESM through a loader hook (hook.mjs), CommonJS from require.cache (Node 20's ESM hooks do not see
// require() inside CommonJS) — or, with --time, only how long the import took (no hook, so nothing slows it).
// A bare specifier resolves from this file's directory: copy list.mjs and hook.mjs into the app whose install you
// measure (bench/install does); a path is taken from the current directory.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const [target, mode] = process.argv.slice(2);
if (!target) {
  console.error('usage: list.mjs <specifier|path> [--time]');
  process.exit(2);
}
const require = createRequire(import.meta.url);
const url = target.startsWith('.') || target.startsWith('/') ? pathToFileURL(resolve(target)).href : target;

if (mode === '--time') {
  const started = performance.now();
  await import(url);
  console.log(JSON.stringify({ ms: performance.now() - started }));
} else {
  const dir = mkdtempSync(join(tmpdir(), 'oj-loaded-'));
  const out = join(dir, 'urls');
  register(new URL('./hook.mjs', import.meta.url), { data: { out } });
  await import(url);
  const files = new Set(readFileSync(out, 'utf8').split('\n').filter(Boolean).map((u) => fileURLToPath(u)));
  for (const file of Object.keys(require.cache)) files.add(file);
  rmSync(dir, { recursive: true, force: true });
  console.log(JSON.stringify({ files: [...files].sort() }));
}
