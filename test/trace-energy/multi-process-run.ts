// Runs the several-processes-one-GPU agents (test/fixtures/apps/multi-process/agent.mjs) at once on the NVML double
// and gives the truth to compare with: the GPU's joules from the first span start to the last span end, from the
// power profile. Shared by test/trace-energy/multi-process.test.ts (JSONL files) and the e2e through a Collector.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SpanRecord } from '../../src/analysis/otlp/span-record.js';
import { formatProfile, joulesBetween, parseProfile } from '../doubles/power-profile.mjs';
import { buildDouble } from '../energy/helpers/doubles.js';
import { repoRoot } from '../helpers/build.js';

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
}

/** Runs the agents at once (starting together ~2.5 s after the call) and returns their anchors; throws if one fails. */
export async function runAgents(o: RunAgentsOptions): Promise<AgentAnchor[]> {
  const originNs = process.hrtime.bigint();
  const profileFile = join(o.dir, 'profile.txt');
  writeFileSync(profileFile, formatProfile(Array.from(PROFILE.t, (t, i) => [t, PROFILE.w[i]!] as const)));
  const control = join(o.dir, 'nvml.control');
  writeFileSync(control, `devices=1\nprofile_file=${profileFile}\nprofile_origin_ns=${originNs}\ntick_ms=100\nenergy_offset_mj=${DRIVER_OFFSET_MJ}\n`);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    OPENJOULES_ENERGY_SOURCES: 'nvml',
    OPENJOULES_NVML_LIBRARY: buildDouble('nvml'),
    OJ_NVML_DOUBLE_CONTROL: control,
    AGENT_START_AT_MS: String(Date.now() + 2500),
    AGENT_RUN_MS: String(o.runMs),
    AGENT_PROFILE_ORIGIN_NS: String(originNs),
    AGENT_SERVICE_PREFIX: o.servicePrefix,
    ...(o.otlpUrl ? { AGENT_OTLP_URL: o.otlpUrl } : {}),
  };
  const results = await Promise.all(Array.from({ length: o.agents }, (_, i) => runAgent(i, { ...env, ...(o.spanDir ? { AGENT_OUT: join(o.spanDir, `agent-${i}.jsonl`) } : {}) })));
  return results.map((r, i) => {
    if (r.code !== 0) throw new Error(`agent ${i} exited ${r.code}: ${r.stderr}`);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as AgentAnchor;
  });
}

/**
 * The GPU's joules from the first span start to the last span end. Each process's span times go to profile time by
 * its own anchor: Node's performance.timeOrigin can be a few ms off the wall clock, differently in each process.
 */
export function deviceJoules(spans: readonly SpanRecord[], anchors: readonly AgentAnchor[]): { joules: number; clockSpreadMs: number } {
  const offsetOf = new Map(anchors.map((a) => [a.service, a.epochMs - a.profileMs]));
  const profileMs = (span: SpanRecord, t: number): number => t - offsetOf.get(span.resource['service.name'] as string)!;
  const first = Math.min(...spans.map((s) => profileMs(s, s.startMs)));
  const last = Math.max(...spans.map((s) => profileMs(s, s.endMs)));
  const offsets = [...offsetOf.values()];
  return { joules: joulesBetween(PROFILE, first, last), clockSpreadMs: Math.max(...offsets) - Math.min(...offsets) };
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
