import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ExportResultCode } from '@opentelemetry/core';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JsonlSpanExporter, SPANS_PER_LINE } from '../../src/runtime/export/jsonl-span-exporter.js';
import { makeDirectory } from '../../src/runtime/export/make-directory.js';
import { readSpanRecords } from '../../src/analysis/otlp/read-spans.js';

describe('JsonlSpanExporter', () => {
  it('writes one ExportTraceServiceRequest per line in the Collector file exporter shape', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oj-jsonl-'));
    const exporter = new JsonlSpanExporter({ outDir: dir });
    expect(exporter.file.startsWith(dir)).toBe(true);
    expect(exporter.file).toMatch(/traces-\d{8}T\d{6}Z-\d+\.jsonl$/);
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'svc', 'host.cores': 2 }),
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    const tracer = provider.getTracer('scope-a', '1.2.3');
    const parent = tracer.startSpan('parent', { kind: SpanKind.INTERNAL, startTime: [1_700_000_000, 123_456_789] });
    parent.setAttributes({ s: 'x', i: 42, d: 1.5, b: true, arr: ['a', 'b'], big: 2 ** 40 });
    parent.addEvent('evt', { k: 1 }, [1_700_000_000, 500_000_000]);
    parent.setStatus({ code: SpanStatusCode.ERROR, message: 'bad' });
    parent.end([1_700_000_001, 0]);
    const client = tracer.startSpan('client', { kind: SpanKind.CLIENT, startTime: [1_700_000_002, 0] });
    client.end([1_700_000_003, 1]);
    await exporter.forceFlush();
    await provider.shutdown();

    const lines = readFileSync(exporter.file, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(2); // SimpleSpanProcessor exports each span on its own
    const first = JSON.parse(lines[0]!);
    const rs = first.resourceSpans[0];
    expect(rs.resource.attributes).toEqual(
      expect.arrayContaining([
        { key: 'service.name', value: { stringValue: 'svc' } },
        { key: 'host.cores', value: { intValue: '2' } },
      ]),
    );
    expect(rs.scopeSpans[0].scope).toEqual({ name: 'scope-a', version: '1.2.3' });
    const span = rs.scopeSpans[0].spans[0];
    expect(span.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(span.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(span.parentSpanId).toBeUndefined(); // empty fields are left out, as the Collector does
    expect(span.kind).toBe(1); // OTLP SPAN_KIND_INTERNAL
    expect(span.startTimeUnixNano).toBe('1700000000123456789'); // exact, as a decimal string
    expect(span.endTimeUnixNano).toBe('1700000001000000000');
    expect(span.attributes).toEqual([
      { key: 's', value: { stringValue: 'x' } },
      { key: 'i', value: { intValue: '42' } },
      { key: 'd', value: { doubleValue: 1.5 } },
      { key: 'b', value: { boolValue: true } },
      { key: 'arr', value: { arrayValue: { values: [{ stringValue: 'a' }, { stringValue: 'b' }] } } },
      { key: 'big', value: { intValue: '1099511627776' } },
    ]);
    expect(span.events).toEqual([{ timeUnixNano: '1700000000500000000', name: 'evt', attributes: [{ key: 'k', value: { intValue: '1' } }] }]);
    expect(span.status).toEqual({ message: 'bad', code: 2 });
    expect(span).not.toHaveProperty('droppedAttributesCount');
    expect(span).not.toHaveProperty('links');
    const second = JSON.parse(lines[1]!).resourceSpans[0].scopeSpans[0].spans[0];
    expect(second.kind).toBe(3); // OTLP SPAN_KIND_CLIENT
    expect(second).not.toHaveProperty('status'); // unset status is empty, so omitted

    // and it reads back losslessly
    const records = [];
    for await (const r of readSpanRecords([dir])) records.push(r);
    expect(records.map((r) => r.name)).toEqual(['parent', 'client']);
    expect(records[0]!.startMs).toBeCloseTo(1_700_000_000_123.4568, 3);
    expect(records[0]!.attributes).toEqual({ s: 'x', i: 42, d: 1.5, b: true, arr: ['a', 'b'], big: 2 ** 40 });
    expect(records[0]!.statusCode).toBe(2);
    expect(records[0]!.resource['service.name']).toBe('svc');
  });

  it('reports a write failure through the export result instead of throwing, once: later exports fail without touching the disk', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oj-jsonl-'));
    writeFileSync(join(dir, 'a-file'), '');
    const exporter = new JsonlSpanExporter({ file: join(dir, 'a-file', 'sub', 'traces.jsonl') }); // parent is a file
    const results: Array<{ code: number; message?: string }> = [];
    const record = (r: { code: number; error?: Error }) => results.push({ code: r.code, message: r.error?.message });
    exporter.export([], record);
    await exporter.forceFlush();
    expect(results).toEqual([{ code: ExportResultCode.FAILED, message: expect.stringMatching(/^cannot write .*traces\.jsonl: .*not a directory.*; no more spans are written there$/) }]);
    // The obstacle goes away; the exporter stays off (one error, no retry per batch).
    rmSync(join(dir, 'a-file'));
    exporter.export([], record);
    await exporter.forceFlush();
    expect(results[1]).toEqual(results[0]);
    expect(existsSync(join(dir, 'a-file'))).toBe(false);
    await exporter.shutdown();
    exporter.export([], record);
    expect(results[2]).toEqual({ code: ExportResultCode.FAILED, message: 'JsonlSpanExporter is shut down' });
  });

  it('writes a big export as several lines of at most SPANS_PER_LINE spans, all of them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oj-jsonl-'));
    const exporter = new JsonlSpanExporter({ outDir: dir });
    const memory = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
    for (let i = 0; i < 2 * SPANS_PER_LINE + 3; i++) provider.getTracer('t').startSpan(`s${i}`).end();
    const spans = memory.getFinishedSpans();
    const code = await new Promise<number>((resolve) => exporter.export(spans, (r) => resolve(r.code)));
    expect(code).toBe(ExportResultCode.SUCCESS);
    await exporter.shutdown();
    const lines = readFileSync(exporter.file, 'utf8').trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l).resourceSpans[0].scopeSpans[0].spans.length)).toEqual([SPANS_PER_LINE, SPANS_PER_LINE, 3]);
    const names = lines.flatMap((l) => JSON.parse(l).resourceSpans[0].scopeSpans[0].spans.map((s: { name: string }) => s.name));
    expect(names).toEqual(spans.map((s) => s.name));
  });
});

describe('makeDirectory', () => {
  it('makes missing parents, accepts an existing directory, and rejects a file in the way', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oj-mkdir-'));
    await makeDirectory(join(dir, 'a', 'b', 'c'));
    await makeDirectory(join(dir, 'a', 'b', 'c'));
    expect(existsSync(join(dir, 'a', 'b', 'c'))).toBe(true);
    writeFileSync(join(dir, 'f'), '');
    await expect(makeDirectory(join(dir, 'f', 'x'))).rejects.toMatchObject({ code: 'ENOTDIR' });
    mkdirSync(join(dir, 'g'));
    await makeDirectory(join(dir, 'g'));
  });

  it('ends under /proc, where mkdir(recursive) never returns on Linux', async (ctx) => {
    if (!existsSync('/proc/self')) {
      console.log('makeDirectory /proc case skipped: this system has no /proc');
      ctx.skip();
    }
    await expect(makeDirectory('/proc/openjoules-test/spans')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
