/**
 * E2E faults: the Collector down when the agent starts, the Collector restarted mid-run, a slow backend.
 * The agent never blocks on any of them; loss, if any, is counted and reported ("openjoules: N span(s) dropped");
 * across a Collector restart nothing is lost (the span count at the backend and in the file exporter is exact).
 */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SPANS_PER_RUN, droppedFromWarnings, startAgentSession } from './helpers/agent.js';
import { readFileExporter, waitFileSpans } from './helpers/files.js';
import { freePort, cleanupWorkDir, skipped, stopAll, tempDir } from './helpers/servers.js';
import { BINARIES, HOW_TO_BUILD, jaegerSpans, startCollector, startJaeger, waitJaegerSpanCount, type Jaeger } from './helpers/stack.js';

const collectorBin = BINARIES.collector();
if (!collectorBin) skipped('fault e2e', HOW_TO_BUILD.collector);
const jaegerBin = BINARIES.jaeger();

/** How much slower than the healthy baseline an agent run may be before we call it blocked. */
const blockedBound = (baselineMs: number): number => baselineMs * 3 + 1_500;

describe.skipIf(!collectorBin)('faults: the agent never blocks, loss is counted, a Collector restart loses nothing', () => {
  const work = tempDir('faults');
  const logDir = join(work, 'logs');
  const tag = `${process.pid}-${Date.now().toString(36)}`;
  let jaeger: Jaeger | undefined;
  let baselineMs = 0;
  const sockets = new Set<Socket>();
  const extra: (HttpServer | TcpServer)[] = [];

  beforeAll(async () => {
    failed = true; // until setup completes: keep the logs if it throws
    console.log(`e2e work dir: ${work}`);
    if (jaegerBin) jaeger = await startJaeger(jaegerBin, logDir);
    else skipped('fault span counts at Jaeger (the file exporter is counted instead)', HOW_TO_BUILD.jaeger);
    // Healthy baseline: how long one agent run takes here with a working Collector.
    const collector = await startCollector(collectorBin!, { name: 'collector-baseline', logDir, fileDir: join(work, 'file-baseline'), jaegerEndpoint: jaeger?.otlpEndpoint });
    const agent = await startAgentSession(collector.httpUrl, `openjoules-e2e-baseline-${tag}`);
    await agent.run(); // warm-up (module loading, JIT)
    baselineMs = await agent.run();
    await agent.stop();
    await collector.server.stop();
    console.log(`baseline agent run: ${baselineMs.toFixed(0)} ms`);
    failed = false;
  });

  let failed = false;
  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail') failed = true;
  });

  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await Promise.all(extra.map((s) => new Promise<void>((res) => s.close(() => res()))));
    await stopAll();
    cleanupWorkDir(work, failed);
  });

  /** Counts spans at Jaeger when it runs, else in the file exporter. */
  async function delivered(service: string, fileDir: string): Promise<number> {
    if (jaeger) return (await jaegerSpans(jaeger.queryUrl, service)).length;
    return (await readFileExporter([fileDir])).filter((s) => s.resource['service.name'] === service).length;
  }

  it('Collector down when the agent starts: the agent does not block; the SDK retries, and what it cannot deliver is reported', async () => {
    const service = `openjoules-e2e-down-${tag}`;
    const fileDir = join(work, 'file-down');
    let collector = await startCollector(collectorBin!, { name: 'collector-down', logDir, fileDir, jaegerEndpoint: jaeger?.otlpEndpoint });
    await collector.server.stop(); // same ports, nothing listening
    const agent = await startAgentSession(collector.httpUrl, service);
    const ms = await agent.run();
    expect(ms, `agent run with the Collector down took ${ms} ms (baseline ${baselineMs} ms)`).toBeLessThan(blockedBound(baselineMs));
    collector = await collector.restart(); // comes up within the SDK's retry window (~10 s)
    await agent.run();
    const warnings = await agent.stop();
    const dropped = droppedFromWarnings(warnings);
    const expected = 2 * SPANS_PER_RUN;
    if (jaeger) await waitJaegerSpanCount(jaeger.queryUrl, service, expected - dropped, 30_000, [collector.server]).catch(() => undefined);
    else await waitFileSpans([fileDir], service, expected - dropped, 30_000, [collector.server]).catch(() => undefined);
    const got = await delivered(service, fileDir);
    console.log(`collector down at start: delivered ${got}, reported dropped ${dropped}, created ${expected}`);
    // Every span is either delivered or counted as dropped in the shutdown line — never silently lost.
    expect(got + dropped).toBe(expected);
  });

  it('Collector restarted mid-run: nothing is lost (exact span count at the backend and in the file exporter)', async () => {
    const service = `openjoules-e2e-restart-${tag}`;
    const fileDir = join(work, 'file-restart');
    let collector = await startCollector(collectorBin!, { name: 'collector-restart', logDir, fileDir, jaegerEndpoint: jaeger?.otlpEndpoint });
    const agent = await startAgentSession(collector.httpUrl, service);
    const runs = 4;
    const restarting = (async () => {
      await sleep(Math.max(300, baselineMs / 2));
      await collector.server.stop(); // graceful: the sending queues drain to Jaeger
      await sleep(1_500);
      collector = await collector.restart();
    })();
    const times: number[] = [];
    for (let i = 0; i < runs; i++) times.push(await agent.run());
    await restarting;
    const warnings = await agent.stop();
    const expected = runs * SPANS_PER_RUN;
    for (const ms of times) expect(ms, `agent runs across the restart: ${times.map((t) => t.toFixed(0)).join(', ')} ms`).toBeLessThan(blockedBound(baselineMs));
    expect(droppedFromWarnings(warnings), warnings.join('\n')).toBe(0);
    const files = await waitFileSpans([fileDir], service, expected, 30_000, [collector.server]);
    expect(files, 'file exporter (appends across restarts with rotation on)').toHaveLength(expected);
    if (jaeger) {
      const spans = await waitJaegerSpanCount(jaeger.queryUrl, service, expected, 30_000, [collector.server]);
      expect(spans).toHaveLength(expected);
    }
    await collector.server.stop();
  });

  it('slow backend behind the Collector: the agent and the other exporters go on (the file exporter gets every span)', async () => {
    // A "Jaeger" that accepts connections and never answers.
    const blackhole = createTcpServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    extra.push(blackhole);
    const port = await freePort();
    await new Promise<void>((res) => blackhole.listen(port, '127.0.0.1', () => res()));
    const service = `openjoules-e2e-slowbackend-${tag}`;
    const fileDir = join(work, 'file-slow');
    const collector = await startCollector(collectorBin!, { name: 'collector-slow-backend', logDir, fileDir, jaegerEndpoint: `127.0.0.1:${port}` });
    const agent = await startAgentSession(collector.httpUrl, service);
    const ms = await agent.run();
    const t0 = performance.now();
    const warnings = await agent.stop(15_000);
    const shutdownMs = performance.now() - t0;
    expect(ms).toBeLessThan(blockedBound(baselineMs));
    expect(shutdownMs, 'shutdown does not wait on the slow backend').toBeLessThan(10_000);
    expect(droppedFromWarnings(warnings)).toBe(0);
    const files = await waitFileSpans([fileDir], service, SPANS_PER_RUN, 30_000, [collector.server]);
    expect(files).toHaveLength(SPANS_PER_RUN);
    await collector.server.stop(5_000);
  });

  it('slow OTLP endpoint in front of the agent: the agent does not block, and the loss is counted and reported', async () => {
    // An OTLP/HTTP endpoint that takes 30 s to answer; the SDK's export timeout is 1 s.
    const slow = createHttpServer((req, res) => {
      req.resume();
      const timer = setTimeout(() => res.writeHead(200).end(), 30_000);
      res.on('close', () => clearTimeout(timer));
    });
    extra.push(slow);
    const port = await freePort();
    await new Promise<void>((res) => slow.listen(port, '127.0.0.1', () => res()));
    const agent = await startAgentSession(`http://127.0.0.1:${port}`, `openjoules-e2e-slowotlp-${tag}`, { OTEL_EXPORTER_OTLP_TIMEOUT: '1000' });
    const ms = await agent.run();
    const t0 = performance.now();
    const warnings = await agent.stop(30_000);
    const shutdownMs = performance.now() - t0;
    expect(ms).toBeLessThan(blockedBound(baselineMs));
    expect(shutdownMs).toBeLessThan(20_000);
    const dropped = droppedFromWarnings(warnings);
    console.log(`slow OTLP endpoint: ${dropped} span(s) reported dropped; warnings: ${warnings.join(' | ')}`);
    expect(dropped).toBe(SPANS_PER_RUN);
  });
});
