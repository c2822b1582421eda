// Several processes, one GPU: three agent processes run at once on the NVML double (one GPU whose power steps faster
// than its 100 ms counter ticks), each with overlapping spans, each exporting OTLP/JSON lines. Each process alone hands
// its spans the whole GPU; over their combined output, `summary`, `rollup` and `attribute` (the re-attributed spans)
// must add up to the GPU's energy over the run, each joule once: the profile's exact integral, within 1%.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAttribute } from '../../src/analysis/cli/attribute.js';
import { runRollup } from '../../src/analysis/cli/rollup.js';
import { runSummary } from '../../src/analysis/cli/summary.js';
import type { SpanRecord } from '../../src/analysis/otlp/span-record.js';
import { ensureBuilt } from '../helpers/build.js';
import { deviceJoules as truthOf, DRIVER_OFFSET_MJ, GPU_UUID, io, readAll, ruleJoules, runAgents, type AgentAnchor } from './multi-process-run.js';

const AGENTS = 3;
const RUN_MS = 4000;

let dir = '';
let spanDir = '';
let anchors: AgentAnchor[] = [];
let input: SpanRecord[] = [];
/** The GPU's joules from the first span start to the last span end, from the profile. */
let deviceJoules = 0;

function percentOff(value: number): string {
  return `${(((value - deviceJoules) / deviceJoules) * 100).toFixed(3)}%`;
}

beforeAll(async () => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'oj-multi-process-'));
  spanDir = join(dir, 'spans');
  anchors = await runAgents({ dir, agents: AGENTS, runMs: RUN_MS, servicePrefix: 'agent-', spanDir });
  input = await readAll([spanDir]);
  const truth = truthOf(input, anchors);
  deviceJoules = truth.joules;
  console.log(`${input.length} spans; the processes' span clocks spread over ${truth.clockSpreadMs.toFixed(3)} ms; device ${deviceJoules.toFixed(3)} J`);
}, 180_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('three processes on one GPU', () => {
  it('each span carries the driver counter (host-wide) at its start and end', () => {
    expect(anchors.map((a) => a.index).sort()).toEqual([0, 1, 2]);
    expect(input.length).toBe(anchors.reduce((s, a) => s + a.spans, 0));
    for (const span of input) {
      expect(span.attributes['energy.device.ids'], span.name).toEqual([GPU_UUID]);
      const [start] = span.attributes['energy.device.start.joules'] as number[];
      const [end] = span.attributes['energy.device.end.joules'] as number[];
      // The counter includes what the driver counted before any process opened it.
      expect(start!).toBeGreaterThan(DRIVER_OFFSET_MJ / 1000);
      expect(end! - start!).toBeCloseTo(span.attributes['energy.joules'] as number, 6);
    }
  });

  it('as each process measured alone, their spans claim the GPU about three times over', () => {
    const measured = ruleJoules(input);
    console.log(`in-process shares: ${measured.toFixed(3)} J for a device that drew ${deviceJoules.toFixed(3)} J (${percentOff(measured)})`);
    expect(measured).toBeGreaterThan(2.5 * deviceJoules);
  });

  it('summary over the combined output: the GPU energy of all queries adds up to the device energy within 1%', async () => {
    const out = join(dir, 'summary.json');
    const cli = io();
    expect(await runSummary({ inputs: [spanDir], out, strict: true }, cli), cli.err.text()).toBe(0);
    const summary = JSON.parse(readFileSync(out, 'utf8')) as { efficiency: { total_gpu_energy_joules: number } };
    const total = summary.efficiency.total_gpu_energy_joules;
    console.log(`summary: total_gpu_energy_joules ${total.toFixed(3)} J vs device ${deviceJoules.toFixed(3)} J (${percentOff(total)})`);
    expect(Math.abs(total - deviceJoules) / deviceJoules).toBeLessThan(0.01);
  });

  it('rollup over the combined output: energy_joules adds up to the device energy within 1%', async () => {
    const outDir = join(dir, 'rollup');
    const days = [...new Set(input.map((s) => new Date(s.endMs).toISOString().slice(0, 10)))];
    let total = 0;
    for (const day of days) {
      const cli = io();
      const result = await runRollup({ inputs: [spanDir], out: outDir, daily: day, format: 'json', strict: true }, cli);
      expect(result.exitCode, cli.err.text()).toBe(0);
      for (const file of result.written) total += (JSON.parse(readFileSync(file, 'utf8')) as { energy_joules: number }).energy_joules;
    }
    console.log(`rollup: energy_joules ${total.toFixed(3)} J vs device ${deviceJoules.toFixed(3)} J (${percentOff(total)})`);
    expect(Math.abs(total - deviceJoules) / deviceJoules).toBeLessThan(0.01);
  });

  it('attribute without a timeline: the re-exported spans add up to the device energy within 1%', async () => {
    const out = join(dir, 'attributed', 'traces.jsonl');
    const cli = io();
    const result = await runAttribute({ inputs: [spanDir], timeline: [], out, rule: 'fair', strict: true }, cli, {});
    expect(result.exitCode, cli.err.text()).toBe(0);
    expect(result.hostShares).toMatchObject({ spans: input.length, read: input.length });
    expect(result.hostShares!.devices).toEqual([expect.objectContaining({ id: GPU_UUID, processes: AGENTS })]);
    const reexported = await readAll([out]);
    expect(reexported).toHaveLength(input.length);
    const total = ruleJoules(reexported);
    const readings = result.hostShares!.devices[0]!;
    console.log(
      `attribute: re-attributed spans ${total.toFixed(3)} J vs device ${deviceJoules.toFixed(3)} J (${percentOff(total)}); ` +
        `readings first-to-last ${readings.deviceJoules.toFixed(3)} J, idle ${readings.idleJoules.toFixed(3)} J`,
    );
    expect(Math.abs(total - deviceJoules) / deviceJoules).toBeLessThan(0.01);
    // Every span of the output keeps everything else it had.
    expect(readdirSync(join(dir, 'attributed'))).toEqual(['traces.jsonl']);
    for (const s of reexported) expect(s.attributes['energy.joules']).toBeTypeOf('number');
  });
});
