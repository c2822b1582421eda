import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ExportResultCode } from '@opentelemetry/core';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JsonlSpanExporter } from '../../src/export/jsonl-span-exporter.js';
import { readSpanRecords } from '../../src/otlp/read-spans.js';

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

  it('reports a write failure through the export result instead of throwing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oj-jsonl-'));
    writeFileSync(join(dir, 'a-file'), '');
    const exporter = new JsonlSpanExporter({ file: join(dir, 'a-file', 'sub', 'traces.jsonl') }); // parent is a file
    const results: number[] = [];
    exporter.export([], (r) => results.push(r.code));
    await exporter.forceFlush();
    expect(results).toEqual([ExportResultCode.FAILED]);
    await exporter.shutdown();
    exporter.export([], (r) => results.push(r.code));
    expect(results).toEqual([ExportResultCode.FAILED, ExportResultCode.FAILED]);
  });
});
