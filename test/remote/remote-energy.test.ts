import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RemoteEnergyEstimator } from '../../src/runtime/remote/remote-energy.js';
import { HostedModelTable } from '../../src/runtime/remote/hosted-models.js';

interface Vector {
  provider: string;
  model: string;
  outputTokens: number;
  latencyS: number;
  minKWh: number;
  maxKWh: number;
}

const root = join(import.meta.dirname, '..', '..');
const committed = JSON.parse(readFileSync(join(root, 'test/fixtures/remote/ecologits-vectors.json'), 'utf8')) as { ecologits: string; vectors: Vector[] };
const GENAI_PROVIDER: Record<string, string> = { openai: 'openai', anthropic: 'anthropic', google_genai: 'gcp.gemini', mistralai: 'mistral_ai' };

/** EcoLogits' own answer, from Python, when `ecologits` is importable there (CI installs it). */
function pythonEcoLogits(): { vectors?: Vector[]; dataDir?: string; reason?: string } {
  const probe = spawnSync('python3', ['-c', 'import ecologits, os; print(ecologits.__version__); print(os.path.dirname(ecologits.__file__))'], { encoding: 'utf8' });
  if (probe.status !== 0) return { reason: 'python3 has no ecologits (pip install ecologits==0.11.3)' };
  const [version, dir] = probe.stdout.trim().split('\n');
  if (version !== committed.ecologits) return { reason: `python3 has ecologits ${version}, the vectors are from ${committed.ecologits}`, dataDir: dir };
  const out = execFileSync('python3', [join(root, 'scripts/remote/ecologits-vectors.py')], { encoding: 'utf8' });
  return { vectors: (JSON.parse(out) as { vectors: Vector[] }).vectors, dataDir: dir };
}

function estimate(estimator: RemoteEnergyEstimator, v: Vector) {
  return estimator.attributes(
    { 'gen_ai.provider.name': GENAI_PROVIDER[v.provider]!, 'gen_ai.request.model': v.model, 'gen_ai.usage.output_tokens': v.outputTokens },
    v.latencyS,
  );
}

describe('remote (hosted API) energy estimate', () => {
  const python = pythonEcoLogits();

  it("gives EcoLogits' own numbers for the built-in models", () => {
    if (python.reason) console.log(`live EcoLogits comparison skipped: ${python.reason}; comparing with the committed vectors`);
    const vectors = python.vectors ?? committed.vectors;
    if (python.vectors) expect(python.vectors).toEqual(committed.vectors);
    const estimator = new RemoteEnergyEstimator();
    for (const v of vectors) {
      const a = estimate(estimator, v);
      expect(a, v.model).toBeDefined();
      expect(a!['energy.remote.min_joules'] as number).toBeCloseTo(v.minKWh * 3.6e6, 9);
      expect(a!['energy.remote.max_joules'] as number).toBeCloseTo(v.maxKWh * 3.6e6, 9);
      expect(a!['energy.remote.joules'] as number).toBeCloseTo(((v.minKWh + v.maxKWh) / 2) * 3.6e6, 9);
      expect(a!['energy.remote.method']).toBe('ecologits');
      expect(String(a!['energy.remote.source'])).toContain('EcoLogits 0.11.3');
    }
  });

  it('reads EcoLogits models.json as an override table (a model the built-in table lacks)', () => {
    if (!python.dataDir) {
      console.log(`override with the real models.json skipped: ${python.reason}`);
      return;
    }
    const file = join(python.dataDir, 'data', 'models.json');
    const warnings: string[] = [];
    const estimator = RemoteEnergyEstimator.fromEnv({ OPENJOULES_REMOTE_MODELS: file }, (m) => warnings.push(m))!;
    expect(warnings).toEqual([]);
    const code = `import json,logging;logging.disable(logging.WARNING)
from ecologits.tracers.utils import llm_impacts
e=llm_impacts('mistralai','magistral-medium-latest',400,6.0).energy.value
print(json.dumps([getattr(e,'min',e),getattr(e,'max',e)]))`;
    const [lo, hi] = JSON.parse(execFileSync('python3', ['-c', code], { encoding: 'utf8' })) as [number, number];
    const a = estimate(estimator, { provider: 'mistralai', model: 'magistral-medium-latest', outputTokens: 400, latencyS: 6, minKWh: 0, maxKWh: 0 });
    expect(a!['energy.remote.min_joules'] as number).toBeCloseTo(lo * 3.6e6, 9);
    expect(a!['energy.remote.max_joules'] as number).toBeCloseTo(hi * 3.6e6, 9);
    expect(String(a!['energy.remote.source'])).toContain(file);
  });

  it('estimates only hosted model calls: not local servers, unknown models, calls without output tokens, turns, tools or AI SDK outer spans', () => {
    const e = new RemoteEnergyEstimator();
    const call = { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.output_tokens': 100 };
    expect(e.attributes(call, 2)).toBeDefined();
    expect(e.attributes({ ...call, 'server.address': '127.0.0.1' }, 2)).toBeUndefined();
    expect(e.attributes({ ...call, 'server.address': 'localhost' }, 2)).toBeUndefined();
    expect(e.attributes({ ...call, 'server.address': '192.168.1.20' }, 2)).toBeUndefined();
    expect(e.attributes({ ...call, 'server.address': 'api.openai.com' }, 2)).toBeDefined();
    expect(e.attributes({ ...call, 'gen_ai.request.model': 'my-finetune' }, 2)).toBeUndefined();
    expect(e.attributes({ ...call, 'gen_ai.usage.output_tokens': 0 }, 2)).toBeUndefined();
    expect(e.attributes({ ...call, 'gen_ai.provider.name': 'vllm' }, 2)).toBeUndefined();
    // A turn or tool span carrying its calls' provider, model and tokens is not a call of its own.
    expect(e.attributes({ ...call, 'gen_ai.operation.name': 'chat' }, 2)).toBeDefined();
    expect(e.attributes({ ...call, 'gen_ai.operation.name': 'invoke_agent' }, 2)).toBeUndefined();
    expect(e.attributes({ ...call, 'gen_ai.operation.name': 'execute_tool' }, 2)).toBeUndefined();
    expect(e.attributes({ ...call, 'openinference.span.kind': 'AGENT' }, 2)).toBeUndefined();
    expect(e.attributes({ ...call, 'openinference.span.kind': 'LLM' }, 2)).toBeDefined();
    // Peers' names: OpenLLMetry's older token attribute, OpenInference's, the AI SDK's inner call span.
    expect(e.attributes({ 'gen_ai.system': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.completion_tokens': 10 }, 1)).toBeDefined();
    expect(e.attributes({ 'llm.provider': 'openai', 'llm.model_name': 'gpt-4o', 'llm.token_count.completion': 10 }, 1)).toBeDefined();
    const aiSdk = { 'ai.model.provider': 'openai.chat', 'ai.model.id': 'gpt-4o', 'ai.usage.outputTokens': 10 };
    expect(e.attributes({ ...aiSdk, 'ai.operationId': 'ai.generateText.doGenerate' }, 1)).toBeDefined();
    expect(e.attributes({ ...aiSdk, 'ai.operationId': 'ai.generateText' }, 1)).toBeUndefined();
  });

  it('finds dated and suffixed model names; OPENJOULES_REMOTE_ENERGY=off turns it off; a bad table file is one line; a table row replaces the built-in one', () => {
    const table = HostedModelTable.builtIn();
    expect(table.find('openai', 'gpt-4o-2024-08-06')?.name).toBe('gpt-4o');
    expect(table.find('anthropic', 'claude-sonnet-4-5-20250929')?.name).toBe('claude-sonnet-4-5');
    expect(table.find('openai', 'gpt-4o-mini-search-preview')?.name).toBe('gpt-4o-mini');
    expect(table.find('openai', 'GPT-4o')?.name).toBe('gpt-4o');
    expect(table.find('openai', 'gpt-4omni')).toBeUndefined();
    expect(RemoteEnergyEstimator.fromEnv({ OPENJOULES_REMOTE_ENERGY: 'off' }, () => {})).toBeUndefined();
    const dir = mkdtempSync(join(tmpdir(), 'oj-remote-'));
    const bad = join(dir, 'models.json');
    writeFileSync(bad, '{"models": [{"provider": "openai", "name": "x"}, 3]');
    const warnings: string[] = [];
    const e = RemoteEnergyEstimator.fromEnv({ OPENJOULES_REMOTE_MODELS: bad }, (m) => warnings.push(m));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/OPENJOULES_REMOTE_MODELS .*models\.json: .*using the built-in table/);
    expect(e?.attributes({ 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.output_tokens': 5 }, 1)).toBeDefined();
    writeFileSync(bad, JSON.stringify({ models: [{ provider: 'openai', name: 'x' }, { provider: 'openai', name: 'tiny', architecture: { parameters: 1 } }] }));
    warnings.length = 0;
    const e2 = RemoteEnergyEstimator.fromEnv({ OPENJOULES_REMOTE_MODELS: bad }, (m) => warnings.push(m));
    expect(warnings).toEqual([`openjoules: ${bad}: models[0] is not a model row with provider, name and parameters; skipped`]);
    expect(e2?.attributes({ 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'tiny', 'gen_ai.usage.output_tokens': 5 }, 1)).toBeDefined();
    // A row of the same name replaces the built-in one (the README's example format); the others stay.
    const gpt4o = { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.output_tokens': 500 };
    const builtIn = new RemoteEnergyEstimator().attributes(gpt4o, 3)!;
    const override = { provider: 'openai', name: 'gpt-4o', architecture: { parameters: { active: { min: 4, max: 8 }, total: 40 } }, deployment: { tps: 74, ttft: 0.61 } };
    writeFileSync(bad, JSON.stringify({ models: [override] }));
    warnings.length = 0;
    const e3 = RemoteEnergyEstimator.fromEnv({ OPENJOULES_REMOTE_MODELS: bad }, (m) => warnings.push(m))!;
    const replaced = e3.attributes(gpt4o, 3)!;
    expect(warnings).toEqual([]);
    expect(replaced['energy.remote.max_joules'] as number).toBeLessThan(builtIn['energy.remote.min_joules'] as number);
    expect(replaced['energy.remote.source']).toBe(`${bad} over openjoules table (EcoLogits 0.11.3 models.json): openai/gpt-4o`);
    const gpt41 = { ...gpt4o, 'gen_ai.request.model': 'gpt-4.1' };
    expect(e3.attributes(gpt41, 3)!['energy.remote.joules']).toBe(new RemoteEnergyEstimator().attributes(gpt41, 3)!['energy.remote.joules']);
  });
});
