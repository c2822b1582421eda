import * as upstream from '@opentelemetry/semantic-conventions/incubating';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { generateSemconv } from '../../scripts/gen-semconv.js';
import * as ours from '../../src/semconv.js';

const registry = join(import.meta.dirname, '..', '..', 'semconv', 'registry');

interface Attr {
  id?: string;
  type?: unknown;
  stability?: string;
  brief?: string;
  annotations?: { upstream?: boolean };
}
interface Group {
  id: string;
  type: string;
  attributes?: Attr[];
  metric_name?: string;
  instrument?: string;
  unit?: string;
  annotations?: { upstream?: boolean };
}
const groups: Group[] = readdirSync(registry)
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((f) => (parse(readFileSync(join(registry, f), 'utf8')) as { groups: Group[] }).groups);
const attributes = groups.flatMap((g) => g.attributes ?? []).filter((a): a is Attr & { id: string } => typeof a.id === 'string');

describe('semconv registry', () => {
  it('src/semconv.ts is exactly what the registry generates (run `npm run semconv` after editing semconv/)', () => {
    expect(readFileSync(join(import.meta.dirname, '..', '..', 'src', 'semconv.ts'), 'utf8')).toBe(generateSemconv(registry));
  });

  it('every attribute is defined once, with a type, a stability and a brief', () => {
    const ids = attributes.map((a) => a.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const a of attributes) {
      expect(a.type, a.id).toBeDefined();
      expect(a.stability, a.id).toBeDefined();
      expect(a.brief, a.id).toBeTruthy();
    }
  });

  it('our own attributes live under energy. and openjoules.; reused ones keep their upstream names', () => {
    for (const a of attributes) {
      if (a.annotations?.upstream) expect(a.id, a.id).toMatch(/^(gen_ai|error|server|user|hw)\./);
      else expect(a.id, a.id).toMatch(/^(energy|openjoules)\./);
    }
  });

  it('reused names match the constants @opentelemetry/semantic-conventions exports for them', () => {
    const upstreamValues = new Set(Object.values(upstream as Record<string, unknown>).filter((v) => typeof v === 'string'));
    const reused = attributes.filter((a) => a.annotations?.upstream).map((a) => a.id);
    // GenAI names moved to a new repository in semconv 1.42 but the JS package still exports them (deprecated).
    const missing = reused.filter((id) => !upstreamValues.has(id));
    expect(missing).toEqual([]);
    const metrics = groups.filter((g) => g.type === 'metric' && g.annotations?.upstream).map((g) => g.metric_name!);
    expect(metrics.filter((m) => !upstreamValues.has(m))).toEqual([]);
  });

  it('the core energy attributes the issue names exist', () => {
    expect([
      ours.ATTR_ENERGY_JOULES,
      ours.ATTR_ENERGY_GPU_JOULES,
      ours.ATTR_ENERGY_CPU_JOULES,
      ours.ATTR_ENERGY_DRAM_JOULES,
      ours.ATTR_ENERGY_ANE_JOULES,
      ours.ATTR_ENERGY_ATTRIBUTED_JOULES,
      ours.ATTR_ENERGY_SOURCE,
      ours.ATTR_ENERGY_METHOD,
    ]).toEqual([
      'energy.joules',
      'energy.gpu.joules',
      'energy.cpu.joules',
      'energy.dram.joules',
      'energy.ane.joules',
      'energy.attributed.joules',
      'energy.source',
      'energy.method',
    ]);
    expect([ours.ATTR_ENERGY_METHOD_VALUE_COUNTER, ours.ATTR_ENERGY_METHOD_VALUE_POWER_INTEGRATION, ours.ATTR_ENERGY_METHOD_VALUE_ESTIMATE]).toEqual([
      'counter',
      'power_integration',
      'estimate',
    ]);
  });
});
