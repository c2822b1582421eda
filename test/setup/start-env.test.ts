import { createServer, type IncomingHttpHeaders } from 'node:http';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { SimulatedEnergySource } from '../../src/runtime/energy/sources/simulated.js';
import { ATTR_ENERGY_JOULES, ATTR_ENERGY_METHOD } from '../../src/semconv.js';
import { otlpExporterConfig } from '../../src/runtime/setup/otlp-config.js';
import { startOpenJoules } from '../../src/runtime/setup/start.js';
import { withToolCall } from '../../src/runtime/api/agent-spans.js';

describe('startOpenJoules({ env })', () => {
  it('sends OTLP to the endpoint, headers and service named in the env it is given, not process.env', async () => {
    const received: Array<{ path: string; headers: IncomingHttpHeaders; body: string }> = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        received.push({ path: req.url ?? '', headers: req.headers, body });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const openjoules = await startOpenJoules({
        env: { OTEL_EXPORTER_OTLP_ENDPOINT: url, OTEL_EXPORTER_OTLP_HEADERS: 'x-tenant=acme,authorization=Bearer%20t0k', OTEL_SERVICE_NAME: 'env-svc' },
        energy: false,
        scheduledDelayMillis: 10,
        warn: () => {},
      });
      expect(openjoules.targets).toEqual([`OTLP ${url}/v1/traces`]);
      await withToolCall({ name: 'probe' }, () => 1);
      await openjoules.shutdown();
    } finally {
      server.close();
    }
    const traces = received.filter((r) => r.path === '/v1/traces');
    expect(traces).toHaveLength(1);
    expect(traces[0]!.headers['x-tenant']).toBe('acme');
    expect(traces[0]!.headers.authorization).toBe('Bearer t0k');
    expect(traces[0]!.body).toContain('"execute_tool probe"');
    expect(traces[0]!.body).toContain('env-svc');
  });

  it('reads signal endpoints, headers and timeouts by the specification', () => {
    expect(otlpExporterConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/' }, 'traces')).toEqual({
      config: { url: 'http://c:4318/v1/traces', headers: {}, timeoutMillis: 10_000 },
      url: 'http://c:4318/v1/traces',
    });
    expect(
      otlpExporterConfig(
        { OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://m/custom', OTEL_EXPORTER_OTLP_HEADERS: 'a=1,b=2', OTEL_EXPORTER_OTLP_METRICS_HEADERS: 'b=3', OTEL_EXPORTER_OTLP_TIMEOUT: '2500' },
        'metrics',
      ).config,
    ).toEqual({ url: 'http://m/custom', headers: { a: '1', b: '3' }, timeoutMillis: 2500 });
    // The shutdown bound caps every export, retries included.
    expect(otlpExporterConfig({ OTEL_EXPORTER_OTLP_TIMEOUT: '20000' }, 'traces', undefined, 4750).config?.timeoutMillis).toBe(4750);
  });

  it('OPENJOULES_SPAN_ENERGY chooses when spans get their joules (a bad value warns and means auto)', async () => {
    const methodWith = async (value: string, warnings: string[]): Promise<unknown> => {
      const exporter = new InMemorySpanExporter();
      const openjoules = await startOpenJoules({
        env: { OPENJOULES_SPAN_ENERGY: value },
        energy: [new SimulatedEnergySource({ devices: [{ power: 150 }] })],
        traceExporters: [exporter],
        scheduledDelayMillis: 10,
        warn: (line) => warnings.push(line),
      });
      try {
        // Let the counter tick twice, so there is data to extrapolate from.
        await expect.poll(() => (openjoules.sampler?.timeline.coveredUntilAll() ?? -Infinity) > -Infinity, { timeout: 5000 }).toBe(true);
        await withToolCall({ name: 'probe' }, () => 1);
        await openjoules.forceFlush();
        const [span] = exporter.getFinishedSpans();
        expect(span?.attributes[ATTR_ENERGY_JOULES]).toBeGreaterThan(0);
        return span?.attributes[ATTR_ENERGY_METHOD];
      } finally {
        await openjoules.shutdown();
      }
    };
    const warnings: string[] = [];
    // Finalised as it ends: the counter has not covered it yet, so part of it is extrapolated (labelled).
    expect(await methodWith('immediate', warnings)).toBe('estimate');
    // Held until the counter covers it.
    expect(await methodWith('exact', warnings)).toBe('counter');
    expect(warnings.filter((w) => w.includes('OPENJOULES_SPAN_ENERGY'))).toEqual([]);
    expect(await methodWith('sometimes', warnings)).toBe('counter');
    expect(warnings.filter((w) => w.includes('OPENJOULES_SPAN_ENERGY'))).toEqual([
      'openjoules: OPENJOULES_SPAN_ENERGY "sometimes" is not one of auto, exact, immediate; using auto',
    ]);
  });
});
