// examples/own-provider.ts runs as a user would run it, and its numbers obey the attribution rule.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

it('examples/own-provider.ts: two parallel tools share the turn\'s energy, each span with its joules', async () => {
  const outDir = mkdtempSync(join(tmpdir(), 'oj-own-provider-'));
  const env: NodeJS.ProcessEnv = { ...process.env, OPENJOULES_ENERGY_SOURCES: 'none', OPENJOULES_OUT_DIR: outDir };
  for (const name of Object.keys(env)) if (name.startsWith('OTEL_')) delete env[name]; // the JSONL default
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'examples/own-provider.ts'], {
    cwd: root,
    env,
    timeout: 60_000,
  });
  const joules = (name: string): [number, number] => {
    const m = new RegExp(`${name}\\s+([\\d.]+) J inclusive, ([\\d.]+) J attributed`).exec(stdout);
    if (!m) throw new Error(`no line for ${name} in:\n${stdout}`);
    return [Number(m[1]), Number(m[2])];
  };
  const [turn, turnShare] = joules('invoke_agent planner');
  const [search, searchShare] = joules('execute_tool search');
  const [fetch, fetchShare] = joules('execute_tool fetch');
  // 180 W for ~120 ms each, in parallel.
  expect(search).toBeGreaterThan(15);
  expect(fetch).toBeGreaterThan(15);
  expect(turn).toBeGreaterThanOrEqual(Math.max(search, fetch));
  // Alone on the device, the turn is charged everything; the tools split what they overlap.
  expect(turnShare).toBeCloseTo(turn, 1);
  expect(searchShare + fetchShare).toBeLessThanOrEqual(turn + 1e-6);
  expect(Math.abs(searchShare - fetchShare) / turn).toBeLessThan(0.1);
  expect(stdout).toContain('simulated');

  // FanOutSpanProcessor gave the same spans, joules included, to the exporter chooseTraceExporters took from the env.
  expect(stdout).toContain(`also exporting to ${outDir}`);
  const files = readdirSync(outDir).filter((f) => f.endsWith('.jsonl'));
  expect(files).toHaveLength(1);
  const spans = readFileSync(join(outDir, files[0]!), 'utf8')
    .trim()
    .split('\n')
    .flatMap((line) => (JSON.parse(line) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<{ name: string; attributes: Array<{ key: string; value: { doubleValue?: number } }> }> }> }> }).resourceSpans)
    .flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
  expect(spans.map((s) => s.name).sort()).toEqual(['execute_tool fetch', 'execute_tool search', 'invoke_agent planner']);
  const fileJoules = spans.find((s) => s.name === 'execute_tool search')!.attributes.find((a) => a.key === 'energy.joules')?.value.doubleValue;
  expect(fileJoules).toBeCloseTo(search, 2);
});
