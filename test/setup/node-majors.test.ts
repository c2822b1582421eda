// `node -r openjoules/register app.cjs` and `node --import openjoules/register app.mjs` on Node 20, 22 and 24. Node 22
// and 24 come from the registry's `node` package through npx (`npx -y -p node@24 node`); where npx cannot get one,
// its cases say they are skipped and why. On Node 22 and 24 the `-r` preload used to run again in the ESM loader's
// thread, where require(esm) fails: the CommonJS app then exited 1 as soon as its synchronous code ended.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../helpers/build.js';
import { nodeBinary, runApp, spansIn } from './run-app.js';

const MAJORS = [20, 22, 24] as const;
const binaries = new Map<number, { path?: string; reason?: string }>();

beforeAll(() => {
  ensureBuilt();
  for (const major of MAJORS) {
    const found = nodeBinary(major);
    binaries.set(major, found);
    if (!found.path) console.log(`Node ${major} cases skipped: ${found.reason}`);
  }
}, 600_000);

describe.each(MAJORS)('Node %i', (major) => {
  const node = (ctx: { skip: () => void }): string => {
    const found = binaries.get(major);
    if (!found?.path) {
      console.log(`skipped on Node ${major}: ${found?.reason ?? 'not looked up'}`);
      ctx.skip();
    }
    return found!.path!;
  };

  it('-r openjoules/register: a CommonJS app whose work runs in a timer after its synchronous code, exits 0 with its spans', async (ctx) => {
    const out = mkdtempSync(join(tmpdir(), `oj-node${major}-cjs-`));
    const run = await runApp('timer-app.cjs', { node: node(ctx), args: ['-r', 'openjoules/register'], env: { OPENJOULES_OUT_DIR: out } });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('timer fired');
    expect(run.lines).toEqual([]); // no "could not register the ESM loader hook"
    expect(spansIn(out).map((s) => s.name).sort()).toEqual(['execute_tool a', 'invoke_agent timer-app']);
  });

  it('--import openjoules/register: an ESM app exits 0 with its spans', async (ctx) => {
    const out = mkdtempSync(join(tmpdir(), `oj-node${major}-esm-`));
    const run = await runApp('agent-app.mjs', { node: node(ctx), env: { OPENJOULES_OUT_DIR: out } });
    expect(run.code, run.stderr).toBe(0);
    expect(run.lines).toEqual([]);
    expect(spansIn(out)).toHaveLength(12);
  });
});
