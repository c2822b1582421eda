// Bring your own SDK: a host's `--import ./host-instrumentation.mjs` with NodeSDK 0.223 calls registerEsmLoaderHook()
// (the one call for the ESM hook), adds OpenJoulesInstrumentation and openJoulesResourceDetector. `import 'openai'`
// is patched (one span per call), with or without the host having registered @opentelemetry/instrumentation's
// hook.mjs first, and the resource carries the energy sources. On every Node major npx can get (see node-majors).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../helpers/build.js';
import { startFakeProvider, type FakeProvider } from '../instrument/fake-providers.js';
import { nodeBinary, runApp, spansIn } from './run-app.js';

const MAJORS = [20, 22, 24] as const;
const binaries = new Map<number, { path?: string; reason?: string }>();
let provider: FakeProvider;

beforeAll(async () => {
  ensureBuilt();
  provider = await startFakeProvider();
  for (const major of MAJORS) binaries.set(major, nodeBinary(major));
}, 600_000);
afterAll(() => provider.close());

/** A powercap tree with one RAPL package, so the shared sampler has a source on any Linux machine. */
function fakeRapl(): string {
  const root = mkdtempSync(join(tmpdir(), 'oj-host-rapl-'));
  const pkg = join(root, 'intel-rapl:0');
  mkdirSync(pkg, { recursive: true });
  writeFileSync(join(pkg, 'name'), 'package-0\n');
  writeFileSync(join(pkg, 'energy_uj'), '1000000\n');
  writeFileSync(join(pkg, 'max_energy_range_uj'), '262143328850\n');
  return root;
}

describe.each(MAJORS)('Node %i, NodeSDK 0.223 in a host preload', (major) => {
  it.for(['ours', 'first'] as const)('host hook: %s — import of openai patched once, resource with the energy sources', async (hostHook, ctx) => {
    const found = binaries.get(major);
    if (!found?.path) {
      console.log(`skipped on Node ${major}: ${found?.reason ?? 'not looked up'}`);
      ctx.skip();
    }
    const file = join(mkdtempSync(join(tmpdir(), 'oj-host-')), 'spans.jsonl');
    const run = await runApp('host-openai-app.mjs', {
      node: found!.path!,
      args: ['--import', './test/fixtures/apps/host-instrumentation.mjs'],
      env: {
        FAKE_URL: provider.url,
        SPANS_FILE: file,
        HOST_HOOK: hostHook,
        OPENJOULES_ENERGY_SOURCES: 'rapl',
        OPENJOULES_RAPL_ROOT: fakeRapl(),
        OTEL_METRICS_EXPORTER: 'none',
        OTEL_LOGS_EXPORTER: 'none',
      },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('hook=true again=true');
    expect(run.stdout).toContain('text=Hello world');
    // Registering import-in-the-middle twice would warn and replace the host's module list.
    expect(run.stderr).not.toMatch(/already been initialized|could not register/);
    const spans = spansIn(join(file, '..'));
    const chats = spans.filter((s) => s.name === 'chat gpt-4o');
    expect(chats).toHaveLength(1);
    expect(chats[0]!.attrs).toMatchObject({ 'gen_ai.operation.name': 'chat', 'gen_ai.usage.input_tokens': 12 });
    expect(chats[0]!.resource['openjoules.energy.sources']).toEqual(['rapl']);
    expect(chats[0]!.resource['openjoules.energy.devices']).toEqual([expect.stringMatching(/^.+=.*package-0.* \(counter\)$/)]);
  });
});
