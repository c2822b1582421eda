// Several processes, one GPU: three agent processes run at once on the NVML double (one GPU whose power steps faster
// than its 100 ms counter ticks), each with overlapping spans, each exporting OTLP/JSON lines. Each process alone hands
// its spans the whole GPU; over their combined output, `summary`, `rollup` and `attribute` (the re-attributed spans)
// must add up to the GPU's energy over the run, each joule once: the profile's exact integral, within 1%.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subtreeEnergy } from '../../src/analysis/energy-rule.js';
import { SpanForest } from '../../src/analysis/span-forest.js';
import { runAttribute } from '../../src/cli/attribute.js';
import type { CommandIo } from '../../src/cli/io.js';
import { runRollup } from '../../src/cli/rollup.js';
import { runSummary } from '../../src/cli/summary.js';
import { readSpanRecords } from '../../src/otlp/read-spans.js';
import type { SpanRecord } from '../../src/otlp/span-record.js';
import { formatProfile, joulesBetween, parseProfile } from '../doubles/power-profile.mjs';
import { buildDouble } from '../energy/helpers/doubles.js';
import { ensureBuilt, repoRoot } from '../helpers/build.js';

const AGENTS = 3;
const RUN_MS = 4000;
/** Profile: 300 W base, a step to 150–450 W every 37 ms (faster than the counter), for 60 s. */
const PROFILE = parseProfile(
  formatProfile(
    Array.from({ length: 60_000 / 37 }, (_, k) => {
      const w = 300 + 150 * Math.sin(k * 1.7);
      return [
        [k * 37, w],
        [(k + 1) * 37, w],
      ] as const;
    }).flat(),
  ),
);
/** The driver had been up a while: its counter does not start at 0 (mJ). */
const DRIVER_OFFSET_MJ = 5_000_000_000;
const GPU_UUID = 'GPU-00000000-0000-0000-0000-000000000000';

let dir = '';
let spanDir = '';
const anchors: Array<{ index: number; spans: number; epochMs: number; profileMs: number }> = [];
let input: SpanRecord[] = [];
/** The GPU's joules from the first span start to the last span end, from the profile. */
let deviceJoules = 0;

function sink(): Writable & { text: () => string } {
  const chunks: string[] = [];
  return Object.assign(new Writable({ write: (c: Buffer, _e, done) => (chunks.push(c.toString()), done()) }), { text: () => chunks.join('') });
}

function io(): CommandIo & { out: ReturnType<typeof sink>; err: ReturnType<typeof sink> } {
  const out = sink();
  const err = sink();
  return { stdout: out, stderr: err, env: {}, out, err };
}

function runAgent(index: number, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(repoRoot, 'test', 'fixtures', 'apps', 'multi-process', 'agent.mjs')], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', ...env, AGENT_INDEX: String(index), AGENT_SEED: String(17 + index), AGENT_OUT: join(spanDir, `agent-${index}.jsonl`) },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The attributed joules of a span set, each joule once (the analysis layer's energy rule, over the spans as given). */
function ruleJoules(spans: readonly SpanRecord[]): number {
  return subtreeEnergy(SpanForest.fromSpans(spans)).joules ?? 0;
}

async function readAll(inputs: string[]): Promise<SpanRecord[]> {
  const spans: SpanRecord[] = [];
  for await (const s of readSpanRecords(inputs)) spans.push(s);
  return spans;
}

function percentOff(value: number): string {
  return `${(((value - deviceJoules) / deviceJoules) * 100).toFixed(3)}%`;
}

beforeAll(async () => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'oj-multi-process-'));
  spanDir = join(dir, 'spans');
  const originNs = process.hrtime.bigint();
  const profileFile = join(dir, 'profile.txt');
  writeFileSync(profileFile, formatProfile(Array.from(PROFILE.t, (t, i) => [t, PROFILE.w[i]!] as const)));
  const control = join(dir, 'nvml.control');
  writeFileSync(control, `devices=1\nprofile_file=${profileFile}\nprofile_origin_ns=${originNs}\ntick_ms=100\nenergy_offset_mj=${DRIVER_OFFSET_MJ}\n`);
  const env = {
    OPENJOULES_ENERGY_SOURCES: 'nvml',
    OPENJOULES_NVML_LIBRARY: buildDouble('nvml'),
    OJ_NVML_DOUBLE_CONTROL: control,
    AGENT_START_AT_MS: String(Date.now() + 2500),
    AGENT_RUN_MS: String(RUN_MS),
    AGENT_PROFILE_ORIGIN_NS: String(originNs),
  };
  const results = await Promise.all(Array.from({ length: AGENTS }, (_, i) => runAgent(i, env)));
  for (const r of results) {
    expect(r.code, r.stderr).toBe(0);
    anchors.push(JSON.parse(r.stdout.trim().split('\n').pop()!) as (typeof anchors)[number]);
  }
  input = await readAll([spanDir]);
  // Span time → profile time, per process: its own anchor (Node's performance.timeOrigin can be a few ms off the wall
  // clock, differently in each process, and span times carry that offset).
  const offsetOf = new Map(anchors.map((a) => [`agent-${a.index}`, a.epochMs - a.profileMs]));
  const profileMs = (span: SpanRecord, t: number): number => t - offsetOf.get(span.resource['service.name'] as string)!;
  const first = Math.min(...input.map((s) => profileMs(s, s.startMs)));
  const last = Math.max(...input.map((s) => profileMs(s, s.endMs)));
  deviceJoules = joulesBetween(PROFILE, first, last);
  const offsets = [...offsetOf.values()].map((o) => (o - offsetOf.get('agent-0')!).toFixed(3));
  console.log(`span clocks of agents 0..2 against agent 0's (ms): ${offsets.join(', ')}; run ${(last - first).toFixed(1)} ms; device ${deviceJoules.toFixed(3)} J`);
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
