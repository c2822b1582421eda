// `openjoules attribute` in-process: vLLM-shaped request spans and their callers' spans (real SDK, OTLP/JSON files),
// a timeline file of a known power profile, the output read back by our readers and the rollup, and the re-export
// to an OTLP/HTTP endpoint (a local server speaking OTLP/HTTP JSON).
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { SpanKind } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { ATTRIBUTE_EXIT, runAttribute, type AttributeCliOptions } from '../../src/analysis/cli/attribute.js';
import { rollupSpans } from '../../src/analysis/rollup/rollup.js';
import { hourWindow } from '../../src/analysis/rollup/windows.js';
import type { SpanRecord } from '../../src/analysis/otlp/span-record.js';
import { SERVING_ENERGY_SPAN_NAME } from '../../src/analysis/serving/serving-energy-span.js';
import { deviceSamples, gpu, writeTimelineFile } from './helpers/power-profile.js';
import { readRecords, ServiceSpans } from './helpers/span-files.js';
import { agentCall, emitVllmRequestSpan, httpClientCall } from './helpers/vllm-engine.js';

const T = Date.UTC(2026, 0, 1, 10, 0, 0);

function sink(): Writable & { text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return Object.assign(stream, { text: () => chunks.join('') });
}

/**
 * The hand-worked schedule of attribute-energy.test.ts, as spans: an agent turn [0, 4 s] with two chat calls, each
 * served by vLLM. A: on the GPU 1.0–2.5 s (prefill until 1.5 s, 1000 prompt tokens, 51 output tokens); B: 1.5–3.0 s
 * (prefill until 2.0 s, 100 prompt tokens, 51 output tokens). GPU: 100 W, 300 W from 1 s, 100 W from 3 s.
 */
async function fixture(): Promise<{ dir: string; spans: string; timeline: string; callerA: string; callerB: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'oj-attribute-'));
  const spans = new ServiceSpans();
  const agent = spans.tracer('agent');
  const vllm = spans.tracer('vllm');
  const root = agent.startSpan('invoke_agent planner', { kind: SpanKind.INTERNAL, startTime: T, attributes: { 'gen_ai.operation.name': 'invoke_agent', 'energy.joules': 12.5 } });
  root.end(T + 4000);
  const a = agentCall(agent, 'toy', T + 890, T + 2600);
  const b = agentCall(agent, 'toy', T + 1390, T + 3100);
  emitVllmRequestSpan(vllm, { id: 'A', arrivalMs: T + 900, scheduledMs: T + 1000, firstTokenMs: T + 1500, lastTokenMs: T + 2500, promptTokens: 1000, completionTokens: 51 }, a.headers);
  emitVllmRequestSpan(vllm, { id: 'B', arrivalMs: T + 1400, scheduledMs: T + 1500, firstTokenMs: T + 2000, lastTokenMs: T + 3000, promptTokens: 100, completionTokens: 51 }, b.headers);
  const spansFile = await spans.write(join(dir, 'traces.jsonl'));
  const timeline = join(dir, 'timeline.jsonl');
  writeTimelineFile(timeline, [deviceSamples(gpu(), [[T, 100], [T + 1000, 300], [T + 3000, 100]], T, T + 4000)]);
  return { dir, spans: spansFile, timeline, callerA: a.spanId, callerB: b.spanId };
}

async function run(o: Partial<AttributeCliOptions> & Pick<AttributeCliOptions, 'inputs' | 'timeline' | 'out'>, env: NodeJS.ProcessEnv = {}) {
  const stdout = sink();
  const stderr = sink();
  const result = await runAttribute({ rule: 'fair', strict: false, ...o }, { stdout, stderr }, env);
  return { result, stdout: stdout.text(), stderr: stderr.text() };
}

const byRequest = (spans: SpanRecord[], id: string) => spans.find((s) => s.attributes['gen_ai.request.id'] === id)!;

describe('openjoules attribute', () => {
  it('fair: writes each request its share, prefill and decode, the caller its energy.serving.joules, and the idle rest', async () => {
    const f = await fixture();
    const out = join(f.dir, 'out.jsonl');
    const { result, stdout, stderr } = await run({ inputs: [f.spans], timeline: [f.timeline], out });
    expect(result.exitCode).toBe(ATTRIBUTE_EXIT.OK);
    expect(stdout).toBe(`${out}\n`);
    const spans = await readRecords([out]);
    const a = byRequest(spans, 'A');
    expect(a.attributes).toMatchObject({
      'energy.joules': expect.closeTo(300, 6),
      'energy.attributed.joules': expect.closeTo(300, 6),
      'energy.prefill.joules': expect.closeTo(150, 6),
      'energy.decode.joules': expect.closeTo(150, 6),
      'energy.gpu.joules': expect.closeTo(300, 6),
      'energy.method': 'serving_fair_share',
      'energy.source': 'nvml',
      'gen_ai.request.id': 'A',
    });
    expect(a.attributes['energy.serving.coverage']).toBeUndefined();
    expect(byRequest(spans, 'B').attributes).toMatchObject({ 'energy.joules': expect.closeTo(300, 6), 'energy.prefill.joules': expect.closeTo(75, 6), 'energy.decode.joules': expect.closeTo(225, 6) });
    // The callers keep their own (local) meaning of energy.*: the serving joules go under energy.serving.*.
    const callerA = spans.find((s) => s.spanId === f.callerA)!;
    expect(callerA.attributes).toMatchObject({ 'energy.serving.joules': expect.closeTo(300, 6), 'energy.serving.requests': 1, 'energy.serving.method': 'serving_fair_share' });
    expect(callerA.attributes['energy.joules']).toBeUndefined();
    expect(spans.find((s) => s.name === 'invoke_agent planner')!.attributes['energy.joules']).toBe(12.5);
    const window = spans.find((s) => s.name === SERVING_ENERGY_SPAN_NAME)!;
    expect(window.attributes).toMatchObject({
      'energy.serving.device.joules': expect.closeTo(800, 6),
      'energy.serving.joules': expect.closeTo(600, 6),
      'energy.serving.idle.joules': expect.closeTo(200, 6),
      'energy.serving.requests': 2,
    });
    expect([window.startMs, window.endMs]).toEqual([T, T + 4000]);
    expect(window.resource['openjoules.energy.devices']).toEqual(['nvml:0=Test nvml:0']);
    expect(stderr).toContain('  devices   800.000 J\n  requests  600.000 J (prefill 225.000 J, decode 375.000 J)\n  idle      200.000 J');
    expect(stderr).toContain('  callers   2 span(s) got energy.serving.joules');
    // Every input span is in the output, once, plus the serving-energy span.
    expect(spans).toHaveLength((await readRecords([f.spans])).length + 1);
  });

  it('tokens: the token-weighted shares, named in energy.method', async () => {
    const f = await fixture();
    const out = join(f.dir, 'out.jsonl');
    const { result } = await run({ inputs: [f.spans], timeline: [f.timeline], out, rule: 'tokens' });
    expect(result.exitCode).toBe(0);
    const spans = await readRecords([out]);
    // A: 150 + 150 × 50/250 + 150 × 50/100 = 255; B: 345 (see attribute-energy.test.ts).
    expect(byRequest(spans, 'A').attributes).toMatchObject({ 'energy.joules': expect.closeTo(255, 6), 'energy.decode.joules': expect.closeTo(105, 6), 'energy.method': 'serving_token_weighted' });
    expect(byRequest(spans, 'B').attributes['energy.joules']).toBeCloseTo(345, 6);
    expect(spans.find((s) => s.spanId === f.callerB)!.attributes['energy.serving.joules']).toBeCloseTo(345, 6);
  });

  it('the output keeps the input as it was and reads back in the rollup', async () => {
    const f = await fixture();
    const out = join(f.dir, 'out.jsonl');
    await run({ inputs: [f.spans], timeline: [f.timeline], out });
    const before = readFileSync(f.spans, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { resourceSpans: { scopeSpans: { spans: { spanId: string; startTimeUnixNano: string; attributes: unknown[] }[] }[] }[] });
    const after = readFileSync(out, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as typeof before[number]);
    // Same documents in the same order; spans differ only by the attributes added at the end.
    for (let i = 0; i < before.length; i++) {
      const b = before[i]!.resourceSpans[0]!.scopeSpans[0]!.spans;
      const a = after[i]!.resourceSpans[0]!.scopeSpans[0]!.spans;
      expect(a.map((s) => ({ ...s, attributes: s.attributes.slice(0, (b.find((x) => x.spanId === s.spanId)?.attributes ?? []).length) }))).toEqual(b);
    }
    const issues: string[] = [];
    const rows = await rollupSpans([out], hourWindow('2026-01-01T10'), { onIssue: (i) => issues.push(i.reason) });
    expect(issues).toEqual([]);
    // The run's energy, each joule once per process (src/analysis/model energy rule): the agent host's (its turn's 12.5 J)
    // and the serving GPU's shares of the requests (their spans' parents ran in the agent's process, so they are
    // roots of their own); the serving-energy span carries no energy.joules, and the callers' energy.serving.joules
    // is not energy.joules: nothing counted twice.
    const served = (await readRecords([out])).filter((s) => s.attributes['energy.method'] === 'serving_fair_share');
    const servedJoules = served.reduce((sum, s) => sum + (s.attributes['energy.joules'] as number), 0);
    expect(servedJoules).toBeGreaterThan(0);
    expect(rows.map((r) => r.spans)).toEqual([6]);
    expect(rows[0]!.energy_joules).toBeCloseTo(12.5 + servedJoules, 3);
  });

  it('re-exports the output to an OTLP/HTTP endpoint, one POST per document', async () => {
    const f = await fixture();
    const bodies: string[] = [];
    const paths: string[] = [];
    const server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        bodies.push(body);
        paths.push(`${req.method} ${req.url} ${req.headers['content-type']} ${req.headers['x-tenant']}`);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const port = (server.address() as AddressInfo).port;
      const out = join(f.dir, 'out.jsonl');
      const { result, stderr } = await run({ inputs: [f.spans], timeline: [f.timeline], out, otlpEndpoint: `http://127.0.0.1:${port}` }, { OTEL_EXPORTER_OTLP_HEADERS: 'x-tenant=acme' });
      expect(result.exitCode).toBe(ATTRIBUTE_EXIT.OK);
      expect(result.exported).toBe(3);
      expect(bodies).toEqual(readFileSync(out, 'utf8').trimEnd().split('\n'));
      expect(new Set(paths)).toEqual(new Set(['POST /v1/traces application/json acme']));
      expect(stderr).toContain(`re-exported 3 document(s) to http://127.0.0.1:${port}/v1/traces`);
    } finally {
      server.close();
    }
    // Nothing listening: the output is written, the export failure is said and has its own exit status.
    const out2 = join(f.dir, 'out2.jsonl');
    const { result, stderr } = await run({ inputs: [f.spans], timeline: [f.timeline], out: out2, otlpEndpoint: 'http://127.0.0.1:9' });
    expect(result.exitCode).toBe(ATTRIBUTE_EXIT.EXPORT_FAILED);
    expect(readdirSync(f.dir)).toContain('out2.jsonl');
    expect(stderr).toContain('3 failed');
  });

  it('requests partly outside the timeline say their coverage; wholly outside get nothing', async () => {
    const f = await fixture();
    // A timeline from 2.0 s only: A (1.0–2.5 s) is covered for 0.5 of its 1.5 s, B (1.5–3.0 s) for 1 of 1.5 s.
    writeTimelineFile(f.timeline, [deviceSamples(gpu(), [[T, 100], [T + 1000, 300], [T + 3000, 100]], T + 2000, T + 4000)]);
    const out = join(f.dir, 'out.jsonl');
    const { stderr } = await run({ inputs: [f.spans], timeline: [f.timeline], out });
    const spans = await readRecords([out]);
    expect(byRequest(spans, 'A').attributes['energy.serving.coverage']).toBeCloseTo(1 / 3, 6);
    expect(byRequest(spans, 'A').attributes['energy.joules']).toBeCloseTo(75, 6);
    expect(byRequest(spans, 'B').attributes['energy.serving.coverage']).toBeCloseTo(2 / 3, 6);
    expect(stderr).toContain('2 request span(s) only partly covered');
    writeTimelineFile(f.timeline, [deviceSamples(gpu(), [[T, 100]], T + 2600, T + 4000)]);
    await run({ inputs: [f.spans], timeline: [f.timeline], out });
    const later = await readRecords([out]);
    expect(byRequest(later, 'A').attributes['energy.joules']).toBeUndefined();
    expect(byRequest(later, 'B').attributes['energy.joules']).toBeCloseTo(40, 6); // 2.6–3.0 s at 100 W
  });

  it('reports bad lines and exits 1; fails with one line (exit 2, nothing written) on bad flags and no overlap', async () => {
    const f = await fixture();
    writeFileSync(f.spans, `${readFileSync(f.spans, 'utf8')}{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"x"}]}]}]}\nnot json\n`);
    const out = join(f.dir, 'out.jsonl');
    const bad = await run({ inputs: [f.spans], timeline: [f.timeline], out });
    expect(bad.result.exitCode).toBe(ATTRIBUTE_EXIT.SKIPPED);
    expect(bad.stderr).toContain(`${f.spans}:3: span "undefined": traceId is not 32 hex digits`);
    expect(bad.stderr).toContain(`${f.spans}:4: malformed JSON`);
    const strict = await run({ inputs: [f.spans], timeline: [f.timeline], out: join(f.dir, 'strict.jsonl'), strict: true });
    expect(strict.result.exitCode).toBe(ATTRIBUTE_EXIT.FAILED);
    expect(strict.stderr).toMatch(/:3: .*\(--strict: stopped, nothing written\)\n$/);
    expect(readdirSync(f.dir)).not.toContain('strict.jsonl');

    const flags = await run({ inputs: [f.spans], timeline: [f.timeline], out, rule: 'even' });
    expect(flags.stderr).toBe('openjoules attribute: --rule must be one of fair, tokens, got "even"\n');
    const stdin = await run({ inputs: ['-'], timeline: [f.timeline], out });
    expect(stdin.stderr).toBe('openjoules attribute: the span input is read twice, so it cannot be stdin: give files or directories; nothing written\n');
    writeTimelineFile(f.timeline, [deviceSamples(gpu(), [[0, 100]], T + 10_000, T + 20_000)]);
    const apart = await run({ inputs: [f.spans], timeline: [f.timeline], out: join(f.dir, 'apart.jsonl') });
    expect(apart.result.exitCode).toBe(ATTRIBUTE_EXIT.FAILED);
    expect(apart.stderr).toMatch(/\nopenjoules attribute: the timeline \(2026-01-01T10:00:10.000Z to 2026-01-01T10:00:20.000Z\) does not overlap the spans \(2026-01-01T10:00:00.000Z to 2026-01-01T10:00:04.000Z\); nothing written\n$/);
  });

  it('behind an HTTP client span (HTTP instrumentation sent the traceparent), the GenAI span above it is the caller', async () => {
    const f = await fixture();
    const spans = new ServiceSpans();
    const agent = spans.tracer('agent');
    const chat = agent.startSpan('chat toy', { kind: SpanKind.CLIENT, startTime: T + 880, attributes: { 'gen_ai.operation.name': 'chat' } });
    const http = httpClientCall(agent, T + 890, T + 2600, chat);
    chat.end(T + 2610);
    emitVllmRequestSpan(spans.tracer('vllm'), { id: 'A', arrivalMs: T + 900, scheduledMs: T + 1000, firstTokenMs: T + 1500, lastTokenMs: T + 2500, promptTokens: 1000, completionTokens: 51 }, http.headers);
    const file = await spans.write(join(f.dir, 'http.jsonl'));
    const out = join(f.dir, 'out.jsonl');
    await run({ inputs: [file], timeline: [f.timeline], out });
    const records = await readRecords([out]);
    expect(records.find((s) => s.spanId === http.spanId)!.attributes).toMatchObject({ 'http.request.method': 'POST' });
    expect(records.find((s) => s.spanId === http.spanId)!.attributes['energy.serving.joules']).toBeUndefined();
    expect(records.find((s) => s.spanId === chat.spanContext().spanId)!.attributes['energy.serving.joules']).toBeCloseTo(450, 6); // 1.0–2.5 s alone at 300 W
  });

  it('--out naming a directory writes attributed-traces.jsonl in it', async () => {
    const f = await fixture();
    const { stdout } = await run({ inputs: [f.spans], timeline: [f.timeline], out: `${f.dir}/` });
    expect(stdout).toBe(`${join(f.dir, 'attributed-traces.jsonl')}\n`);
  });

  it('without --timeline it shares agent spans across processes, and says so in one line when no span has readings', async () => {
    const f = await fixture();
    const none = await run({ inputs: [f.spans], timeline: [], out: join(f.dir, 'shared.jsonl') });
    expect(none.result.exitCode).toBe(ATTRIBUTE_EXIT.FAILED);
    expect(none.stderr).toBe(
      'openjoules attribute: no span carries device readings (energy.device.ids, written by openjoules on a device with a host-wide energy counter); to attribute serving-engine requests give --timeline; nothing written\n',
    );
    expect(readdirSync(f.dir)).not.toContain('shared.jsonl');
    // (Spans with readings: test/trace-energy/multi-process.test.ts and test/e2e/multi-process-shares.test.ts.)
  });
});
