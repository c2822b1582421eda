// otel-copies.mjs: in the app directory (cwd), each @opentelemetry/* package is installed in exactly one version.
// Prints every package with its versions (from `npm ls --all --json`); exits 1 if one has more than one.
import { execFileSync } from 'node:child_process';

const tree = JSON.parse(execFileSync('npm', ['ls', '--all', '--json'], { encoding: 'utf8', maxBuffer: 64 << 20 }));
const versions = new Map();
(function walk(node) {
  for (const [name, child] of Object.entries(node.dependencies ?? {})) {
    if (name.startsWith('@opentelemetry/') && child.version) {
      if (!versions.has(name)) versions.set(name, new Set());
      versions.get(name).add(child.version);
    }
    walk(child);
  }
})(tree);
let duplicated = 0;
for (const [name, set] of [...versions].sort(([a], [b]) => a.localeCompare(b))) {
  const list = [...set].sort();
  if (list.length > 1) duplicated++;
  console.log(`  ${list.length > 1 ? 'x' : ' '} ${name} ${list.join(' ')}`);
}
console.log(`  ${versions.size} @opentelemetry packages, ${duplicated} in more than one version`);
process.exit(duplicated > 0 ? 1 : 0);
