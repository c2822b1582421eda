/**
 * E2E: several processes, one GPU, through the real Collector to Jaeger.
 *   stand-in GPU: the NVML double (driver ABI), power stepping every 37 ms, its counter host-wide (a driver up a while);
 *   agents:       three processes at once, each with its EnergySpanProcessor and overlapping spans, sending OTLP/HTTP
 *                 to the openjoules Collector (ocb build), whose file exporter writes their spans;
 *   re-attribution before the backend: `openjoules attribute` (no timeline) over the file exporter's output, replayed
 *                 into a second Collector that exports to Jaeger (when built).
 * Checks: each process alone claims the GPU about three times over; the re-attributed spans add up to the GPU's energy
 * over the run within 1% of the power profile's integral, in the replayed file and, span by span, in Jaeger.
 */
import { Writable } from 'node:stream';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { subtreeEnergy } from '../../src/analysis/model/energy-rule.js';
import { SpanForest } from '../../src/analysis/model/span-forest.js';
import { runAttribute, type AttributeRunResult } from '../../src/analysis/cli/attribute.js';
import type { SpanRecord } from '../../src/analysis/otlp/span-record.js';
import { ensureBuilt } from '../helpers/build.js';
import { deviceJoules, GPU_UUID, runAgents, type AgentAnchor } from '../trace-energy/multi-process-run.js';
import { readFileExporter, waitFileSpans } from './helpers/files.js';
import { cleanupWorkDir, skipped, stopAll, tempDir, waitFor } from './helpers/servers.js';
import { BINARIES, HOW_TO_BUILD, jaegerTags, jaegerTrace, startCollector, startJaeger, type Collector, type Jaeger } from './helpers/stack.js';

const collectorBin = BINARIES.collector();
if (!collectorBin) skipped('Several processes, one GPU e2e', HOW_TO_BUILD.collector);
const jaegerBin = BINARIES.jaeger();

const AGENTS = 3;
const RUN_MS = 4000;

function sink(): Writable & { text: () => string } {
  const chunks: string[] = [];
  return Object.assign(new Writable({ write: (c: Buffer, _e, done) => (chunks.push(c.toString()), done()) }), { text: () => chunks.join('') });
}

function ruleJoules(spans: readonly SpanRecord[]): number {
  return subtreeEnergy(SpanForest.fromSpans(spans)).joules ?? 0;
}

describe.skipIf(!collectorBin)('Several processes, one GPU (NVML double → three agents → Collector → openjoules attribute → Jaeger)', () => {
  const work = tempDir('multi-process');
  const logDir = join(work, 'logs');
  const fileDir = join(work, 'file-exporter');
  const replayDir = join(work, 'replay-exporter');
  const prefix = `agent-${process.pid}-${Date.now().toString(36)}-`;
  let collector: Collector;
  let replay: Collector;
  let jaeger: Jaeger | undefined;
  let anchors: AgentAnchor[] = [];
  const collected: SpanRecord[] = [];
  let truth = 0;
  let run: AttributeRunResult;
  let attributed: SpanRecord[] = [];
  let stderr = '';
  let failed = false;

  beforeAll(async () => {
    failed = true;
    ensureBuilt();
    console.log(`e2e work dir (logs, file exporter output): ${work}`);
    collector = await startCollector(collectorBin!, { name: 'collector', logDir, fileDir });
    if (jaegerBin) jaeger = await startJaeger(jaegerBin, logDir);
    else skipped('Jaeger assertions of the re-attributed spans', HOW_TO_BUILD.jaeger);
    replay = await startCollector(collectorBin!, { name: 'replay', logDir, fileDir: replayDir, jaegerEndpoint: jaeger?.otlpEndpoint });

    anchors = await runAgents({ dir: work, agents: AGENTS, runMs: RUN_MS, servicePrefix: prefix, otlpUrl: collector.httpUrl });
    for (const a of anchors) collected.push(...(await waitFileSpans([fileDir], a.service, a.spans, 30_000, [collector.server])));
    const measured = deviceJoules(collected, anchors);
    truth = measured.joules;
    console.log(`${collected.length} spans through the Collector; span clocks spread over ${measured.clockSpreadMs.toFixed(3)} ms; device ${truth.toFixed(3)} J`);

    const out = join(work, 'attributed.jsonl');
    const err = sink();
    run = await runAttribute({ inputs: [fileDir], timeline: [], out, rule: 'fair', strict: false, otlpEndpoint: replay.httpUrl }, { stdout: sink(), stderr: err }, {});
    stderr = err.text();
    console.log(`openjoules attribute:\n${stderr}`);
    attributed = (await readFileExporter([out])).filter((s) => (s.resource['service.name'] as string).startsWith(prefix));
    failed = false;
  }, 240_000);

  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail') failed = true;
  });

  afterAll(async () => {
    await stopAll();
    cleanupWorkDir(work, failed);
  });

  it('the spans reach the Collector with the device readings, and each process alone claims the GPU about three times over', () => {
    for (const span of collected) expect(span.attributes['energy.device.ids'], span.name).toEqual([GPU_UUID]);
    const claimed = ruleJoules(collected);
    console.log(`in-process shares: ${claimed.toFixed(3)} J for ${truth.toFixed(3)} J drawn (${(((claimed - truth) / truth) * 100).toFixed(1)}%)`);
    expect(claimed).toBeGreaterThan(2.5 * truth);
  });

  it('attribute: the re-attributed spans add up to the device energy within 1% of the power profile', () => {
    expect(run.exitCode, stderr).toBe(0);
    expect(run.hostShares!.devices).toEqual([expect.objectContaining({ id: GPU_UUID, processes: AGENTS })]);
    expect(attributed).toHaveLength(collected.length);
    const total = ruleJoules(attributed);
    console.log(`re-attributed: ${total.toFixed(3)} J vs device ${truth.toFixed(3)} J (${(((total - truth) / truth) * 100).toFixed(3)}%)`);
    expect(Math.abs(total - truth) / truth).toBeLessThan(0.01);
  });

  it('replayed into a Collector, the shared joules arrive on every span (and at Jaeger when built)', async () => {
    expect(run.exported).toBeGreaterThan(0);
    const byId = new Map(attributed.map((s) => [s.spanId, s.attributes['energy.attributed.joules'] as number]));
    const replayed: SpanRecord[] = [];
    for (const a of anchors) replayed.push(...(await waitFileSpans([replayDir], a.service, a.spans, 30_000, [replay.server])));
    for (const span of replayed) expect(span.attributes['energy.attributed.joules'], span.name).toBeCloseTo(byId.get(span.spanId)!, 9);
    expect(Math.abs(ruleJoules(replayed) - truth) / truth).toBeLessThan(0.01);
    if (!jaeger) {
      skipped('Jaeger assertions of the re-attributed spans', HOW_TO_BUILD.jaeger);
      return;
    }
    // One agent's trace, span by span: Jaeger shows the joules shared across the processes.
    const root = replayed.find((s) => s.parentSpanId === undefined)!;
    const expected = replayed.filter((s) => s.traceId === root.traceId).length;
    const spans = await waitFor(
      `Jaeger to hold trace ${root.traceId} with its ${expected} spans`,
      async () => {
        const got = await jaegerTrace(jaeger!.queryUrl, root.traceId);
        return got && got.length >= expected ? got : undefined;
      },
      30_000,
      [jaeger.server, replay.server],
      500,
    );
    for (const s of spans) expect(Number(jaegerTags(s)['energy.attributed.joules']), s.operationName).toBeCloseTo(byId.get(s.spanID)!, 6);
  });
});
