// `import 'openjoules'` is what an agent app pays at start-up: it must load none of the analysis behind the CLI
// (SQLite, Arrow, Parquet, the commands), which lives behind `openjoules/analysis` (issue #13 item 5).
import { execFileSync } from 'node:child_process';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, repoRoot } from '../helpers/build.js';

const lister = join(repoRoot, 'scripts', 'loaded-modules', 'list.mjs');

/** Files a fresh process loads to import `entry`, relative to the repository. */
function loadedBy(entry: string): string[] {
  const out = execFileSync(process.execPath, [lister, entry], { cwd: repoRoot, encoding: 'utf8' });
  return (JSON.parse(out) as { files: string[] }).files.map((f) => relative(repoRoot, f));
}

const ANALYSIS = [
  /^dist\/(analytics|analysis\/)/,
  /node_modules\/(sql\.js|apache-arrow|hyparquet|hyparquet-writer|citty)\//,
];

beforeAll(() => ensureBuilt(), 120_000);

describe("import 'openjoules'", () => {
  it('loads the runtime and none of the analysis layer or its dependencies', () => {
    const files = loadedBy('./dist/index.js');
    expect(files).toContain('dist/index.js');
    expect(files.some((f) => f.startsWith('node_modules/@opentelemetry/sdk-trace/'))).toBe(true);
    expect(files.filter((f) => ANALYSIS.some((re) => re.test(f)))).toEqual([]);
  });

  it("is told apart from 'openjoules/analysis', which does load the analysis layer", () => {
    // The same lister sees what the boundary keeps out, so an empty list above is not a blind spot.
    const files = loadedBy('./dist/analytics.js');
    expect(files.filter((f) => ANALYSIS.some((re) => re.test(f))).length).toBeGreaterThan(10);
  });
});
