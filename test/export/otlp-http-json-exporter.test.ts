import { diag, DiagLogLevel } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { OtlpHttpJsonExporter } from '../../src/runtime/export/otlp-http-json-exporter.js';
import { encodeTraceRequest } from '../../src/runtime/otlp/encode.js';

interface Received {
  headers: IncomingMessage['headers'];
  body: Buffer;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((s) => {
      s.closeAllConnections();
      return new Promise((r) => s.close(r));
    }),
  );
});

/** A local OTLP/HTTP endpoint answering each request with the next handler (the last one repeats). */
async function endpoint(...handlers: Array<(res: ServerResponse) => void>): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks) });
      const handler = handlers[Math.min(received.length - 1, handlers.length - 1)]!;
      handler(res);
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`, received };
}

const ok = (res: ServerResponse) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}');

function someSpans(): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
  const tracer = provider.getTracer('test');
  const parent = tracer.startSpan('invoke_agent planner', { attributes: { 'gen_ai.operation.name': 'invoke_agent' } });
  parent.end();
  tracer.startSpan('chat gpt-4o', { attributes: { 'gen_ai.usage.output_tokens': 12 } }).end();
  return memory.getFinishedSpans() as ReadableSpan[];
}

function exportOnce(exporter: OtlpHttpJsonExporter, spans: ReadableSpan[]): Promise<ExportResult & { ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => exporter.export(spans, (r) => resolve({ ...r, ms: performance.now() - t0 })));
}

describe('OtlpHttpJsonExporter', () => {
  it('posts the same OTLP/JSON document the JSONL files hold, with the configured headers, gzip when asked', async () => {
    const spans = someSpans();
    const { url, received } = await endpoint(ok);
    const plain = new OtlpHttpJsonExporter({ url, headers: { 'x-api-key': 'k1' } });
    expect((await exportOnce(plain, spans)).code).toBe(ExportResultCode.SUCCESS);
    expect(received[0]!.headers['content-type']).toBe('application/json');
    expect(received[0]!.headers['x-api-key']).toBe('k1');
    expect(JSON.parse(received[0]!.body.toString())).toEqual(JSON.parse(JSON.stringify(encodeTraceRequest(spans))));
    const zipped = new OtlpHttpJsonExporter({ url, compression: 'gzip' });
    expect((await exportOnce(zipped, spans)).code).toBe(ExportResultCode.SUCCESS);
    expect(received[1]!.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(gunzipSync(received[1]!.body).toString())).toEqual(JSON.parse(received[0]!.body.toString()));
  });

  it('retries 503 and 429 (honouring Retry-After) and succeeds; fails a 400 at once', async () => {
    const { url, received } = await endpoint(
      (res) => res.writeHead(503, { 'retry-after': '0' }).end(),
      (res) => res.writeHead(429, { 'retry-after': '0' }).end(),
      ok,
    );
    const result = await exportOnce(new OtlpHttpJsonExporter({ url }), someSpans());
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    expect(received).toHaveLength(3);

    const bad = await endpoint((res) => res.writeHead(400).end('bad request body'));
    const failed = await exportOnce(new OtlpHttpJsonExporter({ url: bad.url }), someSpans());
    expect(failed.code).toBe(ExportResultCode.FAILED);
    expect(failed.error?.message).toBe('HTTP 400: bad request body');
    expect(bad.received).toHaveLength(1);
  });

  it('gives up within its timeout on an endpoint that never answers, and on one that refuses connections', async () => {
    const { url } = await endpoint(() => {
      /* never answers */
    });
    const slow = await exportOnce(new OtlpHttpJsonExporter({ url, timeoutMillis: 300 }), someSpans());
    expect(slow.code).toBe(ExportResultCode.FAILED);
    expect(slow.ms).toBeLessThan(1500);
    // A port nothing listens on: retried with backoff, then failed, all within the timeout.
    const closed = await endpoint(ok);
    await new Promise((r) => servers.pop()!.close(r));
    const refused = await exportOnce(new OtlpHttpJsonExporter({ url: closed.url, timeoutMillis: 600 }), someSpans());
    expect(refused.code).toBe(ExportResultCode.FAILED);
    expect(refused.error?.message).toMatch(/cannot reach|timed out/);
    expect(refused.ms).toBeLessThan(2000);
  });

  it('abort() ends an export in flight at once; shutdown refuses new exports', async () => {
    const { url } = await endpoint(() => {
      /* never answers */
    });
    const exporter = new OtlpHttpJsonExporter({ url, timeoutMillis: 30_000 });
    const pending = exportOnce(exporter, someSpans());
    await new Promise((r) => setTimeout(r, 50));
    exporter.abort();
    const result = await pending;
    expect(result.code).toBe(ExportResultCode.FAILED);
    expect(result.ms).toBeLessThan(1000);
    expect((await exportOnce(exporter, someSpans())).error?.message).toBe('exporter is shut down');
  });

  it('reports a partial success once, and still counts the batch as sent', async () => {
    const lines: string[] = [];
    diag.setLogger({ warn: (m: string) => lines.push(m), error: () => {}, info: () => {}, debug: () => {}, verbose: () => {} }, DiagLogLevel.WARN);
    try {
      const { url } = await endpoint((res) => res.writeHead(200).end('{"partialSuccess":{"rejectedSpans":"1","errorMessage":"span too large"}}'));
      const exporter = new OtlpHttpJsonExporter({ url });
      expect((await exportOnce(exporter, someSpans())).code).toBe(ExportResultCode.SUCCESS);
      expect((await exportOnce(exporter, someSpans())).code).toBe(ExportResultCode.SUCCESS);
      expect(lines.filter((l) => l.includes('rejected'))).toEqual([`openjoules: ${url} rejected 1 span(s): span too large`]);
    } finally {
      diag.disable();
    }
  });
});
