// The defaults the docs state are the ones the code has: each public default constant, read from the entry points a
// user imports, against the sentence that documents it, and against the behaviour it sets where that is cheap to see.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AUTO_ORDER,
  DEFAULT_OUT_DIR,
  DEFAULT_EDGE_READ_GAP_MS,
  DEFAULT_SAMPLE_INTERVAL_MS,
  DEFAULT_SHUTDOWN_TIMEOUT_MS,
  INSTRUMENTED_MODULES,
  energyConfigFromEnv,
} from '../../src/index.js';
import { DEFAULT_STEADY_STATE_CONFIG, DEFAULT_STORE_PATH, KPI_COLUMNS, ROLLUP_FORMATS, STATS_GROUPINGS, SteadyStateDetector } from '../../src/analytics.js';

const root = join(import.meta.dirname, '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const instrumentation = readFileSync(join(root, 'docs', 'instrumentation.md'), 'utf8');

/** The README table row that starts with `| \`name\``, from `from` on (a heading) when given. */
function row(name: string, from = ''): string {
  const line = readme.slice(readme.indexOf(from)).split('\n').find((l) => l.startsWith(`| \`${name}\``));
  expect(line, `a README row for ${name}`).toBeDefined();
  return line!;
}

describe('documented defaults', () => {
  it('register: out dir, shutdown bound, sampling period', () => {
    expect(row('OPENJOULES_OUT_DIR')).toContain(`(default \`./${DEFAULT_OUT_DIR}\`)`);
    expect(row('OPENJOULES_SHUTDOWN_TIMEOUT_MS')).toContain(`(default ${DEFAULT_SHUTDOWN_TIMEOUT_MS})`);
    expect(row('OPENJOULES_SAMPLE_INTERVAL_MS')).toContain(`(default ${DEFAULT_SAMPLE_INTERVAL_MS} ms)`);
    expect(energyConfigFromEnv({}).sampleIntervalMs).toBe(DEFAULT_SAMPLE_INTERVAL_MS);
    expect(row('OPENJOULES_EDGE_READ_GAP_MS')).toContain(`(default ${DEFAULT_EDGE_READ_GAP_MS} ms;`);
    expect(energyConfigFromEnv({}).edgeReadGapMs).toBe(DEFAULT_EDGE_READ_GAP_MS);
  });

  it('auto detection probes NVIDIA, AMD, Apple, RAPL in that order, as OPENJOULES_ENERGY_SOURCES says', () => {
    expect(AUTO_ORDER).toEqual(['nvml', 'rocm_smi', 'powermetrics', 'rapl']);
    expect(row('OPENJOULES_ENERGY_SOURCES')).toContain('NVIDIA, AMD, Apple, RAPL in that order');
  });

  it("the ESM hook's include list in docs/instrumentation.md is INSTRUMENTED_MODULES", () => {
    const listed = /include: \[([^\]]*)\]/.exec(instrumentation)?.[1];
    expect(listed?.split(',').map((s) => s.trim().replace(/^'|'$/g, ''))).toEqual([...INSTRUMENTED_MODULES]);
  });

  it('stats: store path, groupings, warmup', () => {
    expect(readme).toContain(`\`${DEFAULT_STORE_PATH}\``);
    expect(row('stats', '### CLI reference')).toContain(`\`--by ${STATS_GROUPINGS.join('\\|')}\``);
    expect(readme).toContain(`the first ${DEFAULT_STEADY_STATE_CONFIG.warmupSamples} calls of each`);
    const detector = new SteadyStateDetector();
    for (let i = 0; i < DEFAULT_STEADY_STATE_CONFIG.warmupSamples; i++) expect(detector.record(100)).toBe(false);
    expect(detector.result().warmup_samples).toBe(DEFAULT_STEADY_STATE_CONFIG.warmupSamples);
  });

  it("rollup: formats, and the column table lists KPI_COLUMNS in the files' order", () => {
    expect(row('rollup', '### CLI reference')).toContain(`\`--format ${ROLLUP_FORMATS.join('\\|')}\``);
    const table = readme.slice(readme.indexOf('| column | from spans |'));
    const documented = table
      .slice(0, table.indexOf('\n\n'))
      .split('\n')
      .slice(2)
      .flatMap((line) => [...(line.split(' | ')[0] ?? '').matchAll(/`([a-z0-9_]+)`/g)].map((m) => m[1]!));
    expect(documented).toEqual(KPI_COLUMNS.map((c) => c.name));
  });
});
