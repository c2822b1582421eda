// tarball.mjs <unpacked package dir> <repo root>: what users get is what we mean to ship. The LICENSE is the
// Apache-2.0 text package.json names; every dist/ file comes from a source in src/ (no stale build output); every
// source map carries its sources inline (src/ is not shipped); nothing from src/ or test/ is in the tarball.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const [pkgDir, repo] = process.argv.slice(2);
const problems = [];
const files = (function list(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? list(join(dir, e.name)) : [join(dir, e.name)]));
})(pkgDir).map((f) => relative(pkgDir, f));

const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
const license = existsSync(join(pkgDir, 'LICENSE')) ? readFileSync(join(pkgDir, 'LICENSE'), 'utf8') : '';
if (manifest.license !== 'Apache-2.0' || !license.includes('Apache License') || !license.includes('Version 2.0, January 2004')) {
  problems.push(`LICENSE (${license ? 'present' : 'missing'}) does not hold the Apache-2.0 text that package.json "license" (${manifest.license}) names`);
}
for (const field of ['repository', 'homepage', 'bugs', 'keywords', 'engines']) if (!manifest[field]) problems.push(`package.json has no "${field}"`);

let maps = 0;
for (const file of files) {
  if (/^(src|test)\//.test(file)) problems.push(`${file}: sources and tests are not shipped`);
  const built = /^dist\/(.+?)\.(js|cjs|d\.ts|d\.cts|js\.map|cjs\.map)$/.exec(file);
  if (file.startsWith('dist/') && !built) problems.push(`${file}: not build output`);
  if (built) {
    const stem = built[1];
    if (!['ts', 'cts'].some((ext) => existsSync(join(repo, 'src', `${stem}.${ext}`)))) problems.push(`${file}: no src/${stem}.ts (stale build output; rebuild dist/)`);
  }
  if (file.endsWith('.map')) {
    maps++;
    const map = JSON.parse(readFileSync(join(pkgDir, file), 'utf8'));
    const inline = Array.isArray(map.sourcesContent) && map.sourcesContent.length === map.sources.length && map.sourcesContent.every((s) => typeof s === 'string');
    if (!inline) problems.push(`${file}: sources ${map.sources.join(', ')} are neither shipped nor inline`);
  }
}
console.log(`  ${files.length} files, ${maps} source maps with inline sources, license ${manifest.license}, engines.node ${manifest.engines?.node}`);
for (const p of problems.slice(0, 20)) console.log(`  ${p}`);
if (problems.length > 20) console.log(`  … and ${problems.length - 20} more`);
process.exit(problems.length > 0 ? 1 : 0);
