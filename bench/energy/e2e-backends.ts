// The backends of the end-to-end accuracy benchmark: each writes its double's control (the hidden profile, the counter's
// period and phase, how the driver reports power, where a 32-bit counter wraps), names the EnergyConfig the sampler's
// worker opens, and opens a second instance of the same source on this thread for the naive baseline.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EnergyConfig } from '../../src/runtime/energy/sources/config.js';
import { NvmlSource } from '../../src/runtime/energy/sources/nvml.js';
import { PowermetricsSource } from '../../src/runtime/energy/sources/powermetrics.js';
import { RaplSource } from '../../src/runtime/energy/sources/rapl.js';
import { RocmSmiSource } from '../../src/runtime/energy/sources/rocm-smi.js';
import type { EnergySource } from '../../src/runtime/energy/sources/source.js';
import {
  ATTR_ENERGY_ANE_JOULES,
  ATTR_ENERGY_CPU_JOULES,
  ATTR_ENERGY_DRAM_JOULES,
  ATTR_ENERGY_GPU_JOULES,
} from '../../src/semconv.js';
import { joulesAt, type PowerProfileData } from '../../test/doubles/power-profile.mjs';
import { buildDouble, buildRaplSysfsWriter, powermetricsStandIn } from '../../test/energy/helpers/doubles.js';
import { RAPL_MAX_UJ, writeSocketZones } from '../../test/helpers/powercap-tree.js';
import {
  APPLE_ANE_SHAPE,
  APPLE_CPU_SHAPE,
  APPLE_GPU_SHAPE,
  CPU_SHAPE,
  DRAM_SHAPE,
  GPU_SHAPE,
  profilePoints,
  writeProfile,
  type ProfileShape,
} from './e2e-profile.js';

/** One measured part: the span attribute that carries its joules, and the profile that is the truth. */
export interface MeasuredPart {
  readonly label: string;
  readonly attribute: string;
  readonly profile: PowerProfileData;
  /** Index of the part's device in the naive source's readings. */
  readonly naiveDevice: number;
  /** Whether this part's counter wraps mid-run (the case's wrapAtMs). */
  readonly wraps?: boolean;
}

/** A backend made ready for one run. */
export interface PreparedBackend {
  readonly config: EnergyConfig;
  readonly parts: readonly MeasuredPart[];
  /** Profile time (ms) at which a 32-bit counter wraps, when the case has one. */
  readonly wrapAtMs?: number;
  /** Opens the same source on this thread, read at span start and end for the naive baseline. */
  openNaive(): Promise<EnergySource>;
  /** Stops what the backend started (the RAPL writer). */
  stop(): void;
  /**
   * Profile-time windows ([from, to] ms) in which the stand-in itself showed a stale counter (the RAPL writer
   * descheduled past a tick): a span edge there measures the stand-in, not openjoules.
   */
  standInStale?(): Array<[number, number]>;
}

/** What a backend needs to prepare: a scratch directory, the profile origin, and how long profiles must last. */
export interface PrepareContext {
  readonly dir: string;
  readonly originNs: bigint;
  readonly profileMs: number;
  /** Profile time by which a wrap should have happened (mid-run). */
  readonly wrapAtMs: number;
}

/** One row of the benchmark. */
export interface BackendCase {
  readonly key: string;
  readonly title: string;
  /** The counter's nominal period, ms: spans are compared with it (≥ 2 periods, < 1 period). */
  readonly counterPeriodMs: number;
  /** Profile time of the counter's ticks modulo its period, ms (the stand-in's tick_phase_ms); undefined: not known. */
  readonly counterPhaseMs: number | undefined;
  /** Whether the driver gives an instantaneous power reading. */
  readonly instantPower: boolean;
  prepare(context: PrepareContext): Promise<PreparedBackend>;
}

const SAMPLE_INTERVAL_MS = 10;
const NO_RAPL = '/nonexistent-openjoules-rapl';

function profileFor(context: PrepareContext, name: string, seed: number, shape: ProfileShape): { path: string; profile: PowerProfileData } {
  const path = join(context.dir, `${name}.profile`);
  return { path, profile: writeProfile(path, profilePoints(seed, shape, context.profileMs)) };
}

function control(path: string, lines: Record<string, string | number | bigint>): void {
  writeFileSync(path, Object.entries(lines).map(([k, v]) => `${k}=${v}\n`).join(''));
}

function nvmlCase(
  key: string,
  title: string,
  extra: Record<string, string | number>,
  instantPower: boolean,
  sampleIntervalMs = SAMPLE_INTERVAL_MS,
): BackendCase {
  return {
    key,
    title,
    counterPeriodMs: 100,
    counterPhaseMs: 37.3,
    instantPower,
    async prepare(context) {
      const library = buildDouble('nvml');
      const { path, profile } = profileFor(context, 'gpu', 42, GPU_SHAPE);
      const file = join(context.dir, 'nvml.control');
      control(file, { profile_file: path, profile_origin_ns: context.originNs, tick_ms: 100, tick_phase_ms: 37.3, energy_offset_mj: 5e8, ...extra });
      process.env.OJ_NVML_DOUBLE_CONTROL = file;
      return {
        config: { sources: ['nvml'], nvmlLibrary: library, raplRoot: NO_RAPL, sampleIntervalMs },
        parts: [{ label: 'gpu', attribute: ATTR_ENERGY_GPU_JOULES, profile, naiveDevice: 0 }],
        openNaive: async () => NvmlSource.open({ nvmlLibrary: library }),
        stop() {},
      };
    },
  };
}

/** µJ per count the ROCm double's accumulator counts in: what the library reports (15.3 as a C float). */
const ROCM_UNIT_UJ = Math.fround(15.3);

function rocmCase(tickMs: number, power: 'current' | 'average', sampleIntervalMs = SAMPLE_INTERVAL_MS): BackendCase {
  const wrap = tickMs === 20 && power === 'current' && sampleIntervalMs === SAMPLE_INTERVAL_MS;
  const faster = sampleIntervalMs === SAMPLE_INTERVAL_MS ? '' : `, sampled every ${sampleIntervalMs} ms`;
  return {
    key: `rocm-${tickMs}ms-${power}${faster ? `-${sampleIntervalMs}ms` : ''}`,
    title: `ROCm SMI, ${tickMs} ms counter (32-bit), ${power === 'current' ? 'current socket power (instantaneous)' : 'average socket power only'}${wrap ? ', the counter wraps mid-run' : ''}${faster}`,
    counterPeriodMs: tickMs,
    counterPhaseMs: 7.1 % tickMs,
    instantPower: power === 'current',
    async prepare(context) {
      const library = buildDouble('rocm_smi');
      const { path, profile } = profileFor(context, 'gpu', 43, GPU_SHAPE);
      // A 32-bit accumulator that reaches 2^32 at wrapAtMs (or, without a wrap in this case, far from it).
      const countsAtWrap = ((joulesAt(profile, context.wrapAtMs) - joulesAt(profile, 0)) * 1e6) / ROCM_UNIT_UJ;
      const counterStart = wrap ? Math.floor(2 ** 32 - countsAtWrap) : 1e6;
      const file = join(context.dir, 'rocm.control');
      control(file, {
        profile_file: path,
        profile_origin_ns: context.originNs,
        tick_ms: tickMs,
        tick_phase_ms: 7.1 % tickMs,
        counter_bits: 32,
        counter_start: counterStart,
        power_kind: power,
      });
      process.env.OJ_ROCM_DOUBLE_CONTROL = file;
      return {
        config: { sources: ['rocm_smi'], rocmLibrary: library, raplRoot: NO_RAPL, sampleIntervalMs },
        parts: [{ label: 'gpu', attribute: ATTR_ENERGY_GPU_JOULES, profile, naiveDevice: 0, wraps: wrap }],
        wrapAtMs: wrap ? context.wrapAtMs : undefined,
        openNaive: async () => RocmSmiSource.open({ rocmLibrary: library }),
        stop() {},
      };
    },
  };
}


const raplCase: BackendCase = {
  key: 'rapl',
  title: 'RAPL powercap sysfs, package + dram, 1 ms counter (no power reading), the package counter wraps mid-run',
  counterPeriodMs: 1,
  counterPhaseMs: 0.41,
  instantPower: false,
  async prepare(context) {
    const writer = buildRaplSysfsWriter();
    const pkg = profileFor(context, 'package', 44, CPU_SHAPE);
    const dram = profileFor(context, 'dram', 45, DRAM_SHAPE);
    const root = join(context.dir, 'powercap');
    writeSocketZones(root);
    const pkgAtWrap = (joulesAt(pkg.profile, context.wrapAtMs) - joulesAt(pkg.profile, 0)) * 1e6;
    const file = join(context.dir, 'rapl.control');
    const lateLog = join(context.dir, 'rapl-late.log');
    writeFileSync(
      file,
      [
        `profile_origin_ns=${context.originNs}`,
        'tick_ms=1',
        'tick_phase_ms=0.41',
        `late_log=${lateLog}`,
        // The sampler reads a 1 ms counter at least half a period past a tick (tick-edge.ts): later than that, stale.
        'late_ms=0.4',
        `zone=${join(root, 'intel-rapl:0')}|${pkg.path}|${RAPL_MAX_UJ - pkgAtWrap}|${RAPL_MAX_UJ}`,
        `zone=${join(root, 'intel-rapl:0:1')}|${dram.path}|123456789|${RAPL_MAX_UJ}`,
        '',
      ].join('\n'),
    );
    const child: ChildProcess = spawn(writer, [file], { stdio: ['ignore', 'ignore', 'inherit'] });
    // The tree must show values before the source opens it.
    for (let i = 0; i < 200 && !hasValue(join(root, 'intel-rapl:0:1', 'energy_uj')); i++) await sleep(5);
    return {
      config: { sources: ['rapl'], raplRoot: root, sampleIntervalMs: SAMPLE_INTERVAL_MS },
      parts: [
        { label: 'package', attribute: ATTR_ENERGY_CPU_JOULES, profile: pkg.profile, naiveDevice: 0, wraps: true },
        { label: 'dram', attribute: ATTR_ENERGY_DRAM_JOULES, profile: dram.profile, naiveDevice: 1 },
      ],
      wrapAtMs: context.wrapAtMs,
      openNaive: async () => RaplSource.open({ raplRoot: root }),
      stop() {
        child.kill('SIGTERM');
      },
      standInStale() {
        // A read up to a period before the late tick's write may have been made just after the tick: [tick − 1, written].
        if (!existsSync(lateLog)) return [];
        return readFileSync(lateLog, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => line.split(' ').map(Number) as [number, number])
          .map(([tick, late]) => [tick - 1, tick + late] as [number, number]);
      },
    };
  },
};

const powermetricsCase: BackendCase = {
  key: 'powermetrics',
  title: 'powermetrics stand-in, cpu + gpu + ane, one sample per 100 ms (energy per interval, no instantaneous power)',
  counterPeriodMs: 100,
  counterPhaseMs: undefined, // the stand-in's intervals start when it does
  instantPower: false,
  async prepare(context) {
    const cpu = profileFor(context, 'apple-cpu', 46, APPLE_CPU_SHAPE);
    const gpu = profileFor(context, 'apple-gpu', 47, APPLE_GPU_SHAPE);
    const ane = profileFor(context, 'apple-ane', 48, APPLE_ANE_SHAPE);
    const file = join(context.dir, 'powermetrics.control');
    control(file, { profile_origin_ns: context.originNs, cpu_profile_file: cpu.path, gpu_profile_file: gpu.path, ane_profile_file: ane.path });
    process.env.OJ_POWERMETRICS_DOUBLE_CONTROL = file;
    const command = powermetricsStandIn();
    return {
      config: { sources: ['powermetrics'], powermetricsCommand: command, raplRoot: NO_RAPL, sampleIntervalMs: SAMPLE_INTERVAL_MS },
      parts: [
        { label: 'cpu', attribute: ATTR_ENERGY_CPU_JOULES, profile: cpu.profile, naiveDevice: 0 },
        { label: 'gpu', attribute: ATTR_ENERGY_GPU_JOULES, profile: gpu.profile, naiveDevice: 1 },
        { label: 'ane', attribute: ATTR_ENERGY_ANE_JOULES, profile: ane.profile, naiveDevice: 2 },
      ],
      openNaive: () => PowermetricsSource.open({ powermetricsCommand: command, sampleIntervalMs: SAMPLE_INTERVAL_MS }),
      stop() {},
    };
  },
};

/** Every case, in the order they run. */
export const BACKEND_CASES: readonly BackendCase[] = [
  nvmlCase('nvml-instant', 'NVML, 100 ms counter, NVML_FI_DEV_POWER_INSTANT answered', {}, true),
  nvmlCase(
    'nvml-average',
    'NVML, 100 ms counter, no instant field: nvmlDeviceGetPowerUsage is a 1 s average (Ampere+)',
    { instant_not_supported: 1, power_usage: 'average' },
    false,
  ),
  nvmlCase(
    'nvml-part-time',
    'NVML, 100 ms counter, instant field refreshed every 100 ms from 25 ms of it (the A100/H100 part-time sensor)',
    { instant_refresh_ms: 100, instant_window_ms: 25 },
    true,
  ),
  rocmCase(20, 'current'),
  rocmCase(20, 'current', 2),
  rocmCase(1, 'current'),
  rocmCase(20, 'average'),
  rocmCase(1, 'average'),
  raplCase,
  powermetricsCase,
];

/**
 * `backend` with the sampler reading every `intervalMs` instead (its key gets `@<ms>ms`): the same profile and counters,
 * so rows at two intervals show what the sample rate alone changes.
 */
export function sampledEvery(backend: BackendCase, intervalMs: number): BackendCase {
  return {
    ...backend,
    key: `${backend.key}@${intervalMs}ms`,
    title: `${backend.title}, sampled every ${intervalMs} ms`,
    async prepare(context) {
      const prepared = await backend.prepare(context);
      return { ...prepared, config: { ...prepared.config, sampleIntervalMs: intervalMs } };
    },
  };
}

/** `backend` with edge readings at most every `gapMs` (0: none), see EnergyTimeline.requestReading. */
export function withEdgeReadGap(backend: BackendCase, gapMs: number): BackendCase {
  return {
    ...backend,
    key: `${backend.key}+edge${gapMs}ms`,
    title: `${backend.title}, ${gapMs > 0 ? `edge readings ≥ ${gapMs} ms apart` : 'no edge readings'}`,
    async prepare(context) {
      const prepared = await backend.prepare(context);
      return { ...prepared, config: { ...prepared.config, edgeReadGapMs: gapMs } };
    },
  };
}

function hasValue(path: string): boolean {
  try {
    return readFileSync(path, 'utf8').trim() !== '';
  } catch {
    return false;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
