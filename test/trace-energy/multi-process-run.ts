// Runs the several-processes-one-device agents (test/fixtures/apps/multi-process/agent.mjs) at once on a double —
// the NVML one, the ROCm SMI one with a 32-bit accumulator that wraps during the run, or a temp RAPL powercap tree
// (package + dram) whose package counter wraps during the run — and gives the truth to compare with: the device's
// joules from the first span start to the last span end, from the power profiles. Shared by
// test/trace-energy/multi-process*.test.ts (JSONL files) and the e2e through a Collector.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { CommandIo } from '../../src/analysis/cli/io.js';
import { subtreeEnergy } from '../../src/analysis/model/energy-rule.js';
import { SpanForest } from '../../src/analysis/model/span-forest.js';
import { readSpanRecords } from '../../src/analysis/otlp/read-spans.js';
import type { SpanRecord } from '../../src/analysis/otlp/span-record.js';
import { formatProfile, joulesBetween, parseProfile, type PowerProfileData } from '../doubles/power-profile.mjs';
import { buildDouble, buildRaplSysfsWriter } from '../energy/helpers/doubles.js';
import { repoRoot } from '../helpers/build.js';
import { RAPL_MAX_UJ, writeSocketZones } from '../helpers/powercap-tree.js';

/** Profile: 300 W ± 150 W, a new level every 37 ms (faster than the 100 ms counter), for 60 s. */
export const PROFILE = parseProfile(
  formatProfile(
    Array.from({ length: Math.floor(60_000 / 37) }, (_, k) => {
      const w = 300 + 150 * Math.sin(k * 1.7);
      return [
        [k * 37, w],
        [(k + 1) * 37, w],
      ] as const;
    }).flat(),
  ),
);
/** The driver had been up a while: its counter does not start at 0 (mJ). */
export const DRIVER_OFFSET_MJ = 5_000_000_000;
/** The double's GPU 0. */
export const GPU_UUID = 'GPU-00000000-0000-0000-0000-000000000000';
/** The ROCm double's GPU 0 (`rsmi_dev_unique_id_get`). */
export const AMD_GPU_ID = '0x1234abcd0000';
/** DRAM on the RAPL tree: 25 W ± 10 W, a new level every 53 ms, for 60 s. */
export const DRAM_PROFILE = parseProfile(
  formatProfile(
    Array.from({ length: Math.floor(60_000 / 53) }, (_, k) => {
      const w = 25 + 10 * Math.sin(k * 2.3);
      return [
        [k * 53, w],
        [(k + 1) * 53, w],
      ] as const;
    }).flat(),
  ),
);
/** The ROCm accumulator's range: 2^32 counts of the library's resolution (15.3 as a C float), J. */
export const ROCM_RANGE_J = (2 ** 32 * Math.fround(15.3)) / 1e6;
export { RAPL_MAX_UJ };
/** The agents start this long after {@link runAgents} is called, ms of profile time. */
const START_DELAY_MS = 2500;
/** Where a wrapping counter wraps: this long after the agents start, ms. */
export const WRAP_AFTER_START_MS = 1000;

/** The double the agents measure. */
export type MultiProcessBackend = 'nvml' | 'rocm_smi' | 'rapl';

/** What one agent process printed at its end. */
export interface AgentAnchor {
  readonly index: number;
  readonly service: string;
  readonly spans: number;
  /** Span time (epoch ms) and the double's profile time, read back to back. */
  readonly epochMs: number;
  readonly profileMs: number;
}

/** Options of {@link runAgents}. */
export interface RunAgentsOptions {
  readonly dir: string;
  readonly agents: number;
  readonly runMs: number;
  /** Service names are `<prefix><index>`. */
  readonly servicePrefix: string;
  /** Each agent writes `<spanDir>/agent-<index>.jsonl`... */
  readonly spanDir?: string;
  /** ...or exports over OTLP/HTTP to this base URL. */
  readonly otlpUrl?: string;
  /** Default `nvml`. */
  readonly backend?: MultiProcessBackend;
  /** Agents (by index) that open the device only this long after the start, ms (after the wrap) and end with the others. */
  readonly openLate?: ReadonlyMap<number, number>;
}

/** Runs the agents at once (starting together ~2.5 s after the call) and returns their anchors; throws if one fails. */
export async function runAgents(o: RunAgentsOptions): Promise<AgentAnchor[]> {
  // Built before the clock starts: a first build must not eat into the agents' start delay.
  if (o.backend === 'rapl') buildRaplSysfsWriter();
  else buildDouble(o.backend ?? 'nvml');
  const originNs = process.hrtime.bigint();
  const startAt = Date.now() + START_DELAY_MS;
  const profileFile = writeProfile(o.dir, 'profile.txt', PROFILE);
  const device = await prepareBackend(o.backend ?? 'nvml', o.dir, profileFile, originNs);
  try {
    return await runAgentsOn(o, device.env, originNs, startAt);
  } finally {
    device.stop();
  }
}

async function runAgentsOn(o: RunAgentsOptions, deviceEnv: Record<string, string>, originNs: bigint, startAt: number): Promise<AgentAnchor[]> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    ...deviceEnv,
    AGENT_START_AT_MS: String(startAt),
    AGENT_RUN_MS: String(o.runMs),
    AGENT_PROFILE_ORIGIN_NS: String(originNs),
    AGENT_SERVICE_PREFIX: o.servicePrefix,
    ...(o.otlpUrl ? { AGENT_OTLP_URL: o.otlpUrl } : {}),
  };
  const results = await Promise.all(
    Array.from({ length: o.agents }, (_, i) =>
      runAgent(i, {
        ...env,
        ...(o.spanDir ? { AGENT_OUT: join(o.spanDir, `agent-${i}.jsonl`) } : {}),
        ...(o.openLate?.has(i) ? { AGENT_OPEN_AT_MS: String(startAt + o.openLate.get(i)!) } : {}),
      }),
    ),
  );
  return results.map((r, i) => {
    if (r.code !== 0) throw new Error(`agent ${i} exited ${r.code}: ${r.stderr}`);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as AgentAnchor;
  });
}

/**
 * The GPU's joules from the first span start to the last span end. Each process's span times go to profile time by
 * its own anchor: Node's performance.timeOrigin can be a few ms off the wall clock, differently in each process.
 */
export function deviceJoules(spans: readonly SpanRecord[], anchors: readonly AgentAnchor[], profiles: readonly PowerProfileData[] = [PROFILE]): { joules: number; clockSpreadMs: number } {
  const offsetOf = new Map(anchors.map((a) => [a.service, a.epochMs - a.profileMs]));
  const profileMs = (span: SpanRecord, t: number): number => t - offsetOf.get(span.resource['service.name'] as string)!;
  const first = Math.min(...spans.map((s) => profileMs(s, s.startMs)));
  const last = Math.max(...spans.map((s) => profileMs(s, s.endMs)));
  const offsets = [...offsetOf.values()];
  const joules = profiles.reduce((sum, profile) => sum + joulesBetween(profile, first, last), 0);
  return { joules, clockSpreadMs: Math.max(...offsets) - Math.min(...offsets) };
}

function writeProfile(dir: string, name: string, profile: PowerProfileData): string {
  const file = join(dir, name);
  writeFileSync(file, formatProfile(Array.from(profile.t, (t, i) => [t, profile.w[i]!] as const)));
  return file;
}

/** The environment that opens the backend's double, and how to stop it (RAPL: the program keeping the tree). */
async function prepareBackend(backend: MultiProcessBackend, dir: string, profileFile: string, originNs: bigint): Promise<{ env: Record<string, string>; stop: () => void }> {
  const wrapAtMs = START_DELAY_MS + WRAP_AFTER_START_MS;
  if (backend === 'nvml') {
    const control = join(dir, 'nvml.control');
    writeFileSync(control, `devices=1\nprofile_file=${profileFile}\nprofile_origin_ns=${originNs}\ntick_ms=100\nenergy_offset_mj=${DRIVER_OFFSET_MJ}\n`);
    return { env: { OPENJOULES_ENERGY_SOURCES: 'nvml', OPENJOULES_NVML_LIBRARY: buildDouble('nvml'), OJ_NVML_DOUBLE_CONTROL: control }, stop: () => {} };
  }
  if (backend === 'rocm_smi') {
    // The accumulator reaches 2^32 counts (and wraps) at wrapAtMs of profile time.
    const countsToWrap = (joulesBetween(PROFILE, 0, wrapAtMs) * 1e6) / Math.fround(15.3);
    const control = join(dir, 'rocm.control');
    writeFileSync(control, `devices=1\nprofile_file=${profileFile}\nprofile_origin_ns=${originNs}\ntick_ms=20\ncounter_bits=32\ncounter_start=${2 ** 32 - countsToWrap}\n`);
    return { env: { OPENJOULES_ENERGY_SOURCES: 'rocm_smi', OPENJOULES_ROCM_LIBRARY: buildDouble('rocm_smi'), OJ_ROCM_DOUBLE_CONTROL: control }, stop: () => {} };
  }
  const root = join(dir, 'powercap');
  writeSocketZones(root);
  const dramFile = writeProfile(dir, 'dram-profile.txt', DRAM_PROFILE);
  const packageAtWrapUj = joulesBetween(PROFILE, 0, wrapAtMs) * 1e6;
  const control = join(dir, 'rapl.control');
  writeFileSync(
    control,
    [
      `profile_origin_ns=${originNs}`,
      'tick_ms=1',
      `zone=${join(root, 'intel-rapl:0')}|${profileFile}|${RAPL_MAX_UJ - packageAtWrapUj}|${RAPL_MAX_UJ}`,
      `zone=${join(root, 'intel-rapl:0:1')}|${dramFile}|123456789|${RAPL_MAX_UJ}`,
      '',
    ].join('\n'),
  );
  const writer = spawn(buildRaplSysfsWriter(), [control], { stdio: ['ignore', 'ignore', 'inherit'] });
  // The tree must show values before any agent opens it.
  const energyFile = join(root, 'intel-rapl:0:1', 'energy_uj');
  for (let i = 0; i < 400 && !(existsSync(energyFile) && readFileSync(energyFile, 'utf8').trim() !== ''); i++) await new Promise((r) => setTimeout(r, 5));
  return { env: { OPENJOULES_ENERGY_SOURCES: 'rapl', OPENJOULES_RAPL_ROOT: root }, stop: () => void writer.kill('SIGTERM') };
}

function runAgent(index: number, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(repoRoot, 'test', 'fixtures', 'apps', 'multi-process', 'agent.mjs')], {
      cwd: repoRoot,
      env: { ...env, AGENT_INDEX: String(index), AGENT_SEED: String(17 + index) },
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

/** A writable that keeps what it was given. */
function sink(): Writable & { text: () => string } {
  const chunks: string[] = [];
  return Object.assign(new Writable({ write: (c: Buffer, _e, done) => (chunks.push(c.toString()), done()) }), { text: () => chunks.join('') });
}

/** A CommandIo whose stdout and stderr are kept, for running the CLI commands in-process. */
export function io(): CommandIo & { out: ReturnType<typeof sink>; err: ReturnType<typeof sink> } {
  const out = sink();
  const err = sink();
  return { stdout: out, stderr: err, env: {}, out, err };
}

/** The attributed joules of a span set, each joule once (the analysis layer's energy rule, over the spans as given). */
export function ruleJoules(spans: readonly SpanRecord[]): number {
  return subtreeEnergy(SpanForest.fromSpans(spans)).joules ?? 0;
}

/** Every span record of the input files. */
export async function readAll(inputs: string[]): Promise<SpanRecord[]> {
  const spans: SpanRecord[] = [];
  for await (const s of readSpanRecords(inputs)) spans.push(s);
  return spans;
}
