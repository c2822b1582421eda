import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { BasicTracerProvider, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { ReportingBatchSpanProcessor } from '../../src/runtime/export/reporting-batch-processor.js';

/** An exporter whose backend never answers: every export stays pending until released. */
class StuckExporter implements SpanExporter {
  readonly pending: Array<(r: ExportResult) => void> = [];
  received = 0;
  export(spans: ReadableSpan[], done: (r: ExportResult) => void): void {
    this.received += spans.length;
    this.pending.push(done);
  }
  async shutdown(): Promise<void> {}
}

describe('ReportingBatchSpanProcessor', () => {
  it('counts spans dropped for a full queue and for failed exports, reports the first loss once and the total at shutdown', async () => {
    const exporter = new StuckExporter();
    const messages: string[] = [];
    const processor = new ReportingBatchSpanProcessor(exporter, {
      maxQueueSize: 10,
      maxExportBatchSize: 5,
      scheduledDelayMillis: 1,
      exportTimeoutMillis: 60_000,
      target: 'stuck-backend',
      warn: (m) => messages.push(m),
    });
    const provider = new BasicTracerProvider({ spanProcessors: [processor] });
    const tracer = provider.getTracer('t');
    const started = performance.now();
    for (let i = 0; i < 100; i++) tracer.startSpan(`s${i}`).end();
    expect(performance.now() - started).toBeLessThan(1000); // ending spans never waits on the backend
    await new Promise((r) => setTimeout(r, 50));
    // one batch of 5 is with the exporter (stuck), the queue holds 10, the rest were dropped
    expect(exporter.received).toBe(5);
    expect(processor.dropped.queueFull).toBe(100 - 5 - 10);
    for (const done of exporter.pending.splice(0)) done({ code: ExportResultCode.FAILED, error: new Error('503 Service Unavailable') });
    await new Promise((r) => setTimeout(r, 50));
    expect(processor.dropped.exportFailed).toBeGreaterThanOrEqual(5);
    // release whatever else is pending as failures so shutdown completes
    const releaser = setInterval(() => {
      for (const done of exporter.pending.splice(0)) done({ code: ExportResultCode.FAILED, error: new Error('503 Service Unavailable') });
    }, 5);
    await provider.shutdown();
    clearInterval(releaser);
    expect(processor.dropped.queueFull + processor.dropped.exportFailed).toBe(100);
    expect(messages.filter((m) => m.includes('dropping spans'))).toHaveLength(1);
    expect(messages.at(-1)).toBe(
      `openjoules: 100 span(s) dropped on the way to stuck-backend (queue full: 85, export failed: 15; last error: 503 Service Unavailable)`,
    );
  });

  it('reports nothing when every span arrives', async () => {
    const messages: string[] = [];
    const ok: SpanExporter = { export: (_s, done) => done({ code: ExportResultCode.SUCCESS }), shutdown: async () => {} };
    const processor = new ReportingBatchSpanProcessor(ok, { warn: (m) => messages.push(m) });
    const provider = new BasicTracerProvider({ spanProcessors: [processor] });
    for (let i = 0; i < 20; i++) provider.getTracer('t').startSpan('x').end();
    await provider.shutdown();
    expect(processor.dropped).toEqual({ queueFull: 0, exportFailed: 0, unsentAtShutdown: 0 });
    expect(messages).toEqual([]);
  });

  it('stops waiting for a backend that never answers at shutdownTimeoutMillis, counts what was not sent, and says so once', async () => {
    const exporter = new StuckExporter();
    const messages: string[] = [];
    const processor = new ReportingBatchSpanProcessor(exporter, {
      maxExportBatchSize: 4,
      scheduledDelayMillis: 1,
      shutdownTimeoutMillis: 300,
      target: 'silent-backend',
      warn: (m) => messages.push(m),
    });
    const provider = new BasicTracerProvider({ spanProcessors: [processor] });
    for (let i = 0; i < 10; i++) provider.getTracer('t').startSpan(`s${i}`).end();
    await new Promise((r) => setTimeout(r, 20));
    exporter.pending.shift()!({ code: ExportResultCode.SUCCESS }); // the first batch arrives, nothing more does
    const started = performance.now();
    await provider.shutdown();
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(290);
    expect(waited).toBeLessThan(2000);
    expect(processor.dropped).toEqual({ queueFull: 0, exportFailed: 0, unsentAtShutdown: 6 });
    expect(messages).toEqual([
      'openjoules: 6 span(s) dropped on the way to silent-backend (queue full: 0, export failed: 0, unsent at shutdown (waited up to 300 ms): 6)',
    ]);
  });

  it('a failure first seen during shutdown is reported in the shutdown line only', async () => {
    const messages: string[] = [];
    const failing: SpanExporter = { export: (_s, done) => done({ code: ExportResultCode.FAILED, error: new Error('connect ECONNREFUSED') }), shutdown: async () => {} };
    const processor = new ReportingBatchSpanProcessor(failing, { target: 'down', warn: (m) => messages.push(m) });
    const provider = new BasicTracerProvider({ spanProcessors: [processor] });
    for (let i = 0; i < 3; i++) provider.getTracer('t').startSpan('x').end();
    await provider.shutdown();
    expect(messages).toEqual(['openjoules: 3 span(s) dropped on the way to down (queue full: 0, export failed: 3; last error: connect ECONNREFUSED)']);
  });
});
