// `npm run bench:install`: what `npm install openjoules` costs an app, against `@opentelemetry/sdk-trace-node` alone
// (the baseline), both installed by npm into fresh apps on the current Node in the same run. Prints install size and
// package count, copies of each @opentelemetry/* package, and `import` time (median of fresh processes, alternating)
// and modules loaded, with ratios to the baseline; then issue #13's goals (<= 30 MB, one copy of each OpenTelemetry
// package, no analysis code loaded by `import 'openjoules'`).
// Env: BENCH_ROUNDS (fresh processes per variant, default 9), BENCH_INSTALL_DIR (work dir, default $TMPDIR/openjoules-bench-install).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { median, printTable } from '../lib/table.js';
import { importMs, installLister, loadedFiles } from './import-cost.js';
import { measureInstall, type InstallFootprint } from './node-modules.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const WORK = process.env.BENCH_INSTALL_DIR ?? join(tmpdir(), 'openjoules-bench-install');
const ROOT = join(import.meta.dirname, '..', '..');
const BASELINE = '@opentelemetry/sdk-trace-node';
const GOAL_BYTES = 30e6;
/** What `import 'openjoules'` must not load: the analysis layer and its dependencies (see eslint.config.js). */
const ANALYSIS = /openjoules\/dist\/(analytics|analysis\/)|node_modules\/(sql\.js|apache-arrow|hyparquet|hyparquet-writer|citty)\//;

const npm = (cwd: string, args: string[]): string => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const mb = (bytes: number): string => (bytes / 1e6).toFixed(1);
const x = (a: number, b: number): string => `${(a / b).toFixed(2)}x`;

function freshApp(name: string, packages: string[]): string {
  const app = join(WORK, name);
  rmSync(app, { recursive: true, force: true });
  mkdirSync(app, { recursive: true });
  writeFileSync(join(app, 'package.json'), `{ "name": "bench-${name}", "private": true }\n`);
  const started = performance.now();
  npm(app, ['install', '--no-audit', '--no-fund', '--loglevel=error', ...packages]);
  console.log(`installed ${packages.map((p) => p.split(sep).pop()).join(' ')} into ${app} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  installLister(app);
  return app;
}

console.log(`Node ${process.version}; work dir ${WORK}; ${ROUNDS} fresh processes per import variant`);
mkdirSync(WORK, { recursive: true });
for (const f of readdirSync(WORK).filter((f) => f.endsWith('.tgz'))) rmSync(join(WORK, f));
npm(ROOT, ['pack', '--pack-destination', WORK, '--loglevel=error']);
const tarball = join(WORK, readdirSync(WORK).find((f) => f.endsWith('.tgz'))!);
const ours = freshApp('openjoules', [tarball]);
const base = freshApp('baseline', [BASELINE]);
const oursInstall = measureInstall(ours);
const baseInstall = measureInstall(base);

const copies = (f: InstallFootprint): number => [...f.otelCopies.values()].reduce((n, v) => n + v.length, 0);
const duplicated = (f: InstallFootprint): string[] => [...f.otelCopies].filter(([, v]) => v.length > 1).map(([k, v]) => `${k.replace('@opentelemetry/', '')} ×${v.length} (${v.join(', ')})`);
printTable('Install (npm install into a fresh app; MB = 10^6 bytes, apparent size; disk = allocated blocks)', ['app', 'MB', 'disk MB', 'packages', '@opentelemetry packages', 'copies', 'ratio MB', 'ratio packages'], [
  [BASELINE + ' (baseline)', mb(baseInstall.bytes), mb(baseInstall.diskBytes), baseInstall.packages.length, baseInstall.otelCopies.size, copies(baseInstall), '1.00x', '1.00x'],
  ['openjoules', mb(oursInstall.bytes), mb(oursInstall.diskBytes), oursInstall.packages.length, oursInstall.otelCopies.size, copies(oursInstall), x(oursInstall.bytes, baseInstall.bytes), x(oursInstall.packages.length, baseInstall.packages.length)],
]);
printTable('openjoules: copies of each @opentelemetry/* package', ['package', 'copies', 'versions'], [...oursInstall.otelCopies].map(([name, v]) => [name, v.length, v.join(' ')]));
printTable('openjoules: largest packages (where the bytes are)', ['path', 'version', 'MB'], [...oursInstall.packages].sort((a, b) => b.bytes - a.bytes).slice(0, 12).map((p) => [p.path, p.version, mb(p.bytes)]));

// Import cost: alternate the two imports so drift in machine load hits both alike.
const oursMs: number[] = [];
const baseMs: number[] = [];
for (let i = 0; i < ROUNDS; i++) {
  oursMs.push(importMs(ours, 'openjoules'));
  baseMs.push(importMs(base, BASELINE));
}
const oursFiles = loadedFiles(ours, 'openjoules');
const baseFiles = loadedFiles(base, BASELINE);
const ownFiles = oursFiles.filter((f) => f.includes(`${sep}openjoules${sep}dist${sep}`)).length;
printTable(`Import (fresh process, median of ${ROUNDS}; modules = files loaded)`, ['import', 'ms', 'modules', 'of which openjoules', 'ratio ms', 'ratio modules'], [
  [`import '${BASELINE}' (baseline)`, median(baseMs).toFixed(0), baseFiles.length, '-', '1.00x', '1.00x'],
  ["import 'openjoules'", median(oursMs).toFixed(0), oursFiles.length, ownFiles, x(median(oursMs), median(baseMs)), x(oursFiles.length, baseFiles.length)],
]);
const byPackage = new Map<string, number>();
for (const f of oursFiles) {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(f.split(sep).join('/'));
  const key = m?.[1] ?? 'other';
  byPackage.set(key, (byPackage.get(key) ?? 0) + 1);
}
printTable("import 'openjoules': modules per package", ['package', 'modules'], [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 12));

const analysis = oursFiles.filter((f) => ANALYSIS.test(f.split(sep).join('/')));
const goal = (ok: boolean, text: string): void => console.log(`${ok ? 'goal met    ' : 'goal NOT met'}  ${text}`);
console.log('');
goal(oursInstall.bytes <= GOAL_BYTES, `install <= 30 MB: ${mb(oursInstall.bytes)} MB`);
goal(duplicated(oursInstall).length === 0, `one copy of each OpenTelemetry package${duplicated(oursInstall).length ? `: ${duplicated(oursInstall).join('; ')}` : ''}`);
goal(analysis.length === 0, `import 'openjoules' loads no analysis code${analysis.length ? `: ${analysis.slice(0, 5).join(', ')}` : ''}`);
