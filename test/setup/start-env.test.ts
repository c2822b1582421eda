import { createServer, type IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import { otlpExporterConfig } from '../../src/setup/trace-exporters.js';
import { startOpenJoules } from '../../src/setup/start.js';
import { withToolCall } from '../../src/trace/agent-spans.js';

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
    expect(otlpExporterConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/' }, 'traces')).toEqual({ url: 'http://c:4318/v1/traces', headers: {} });
    expect(
      otlpExporterConfig(
        { OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://m/custom', OTEL_EXPORTER_OTLP_HEADERS: 'a=1,b=2', OTEL_EXPORTER_OTLP_METRICS_HEADERS: 'b=3', OTEL_EXPORTER_OTLP_TIMEOUT: '2500' },
        'metrics',
      ),
    ).toEqual({ url: 'http://m/custom', headers: { a: '1', b: '3' }, timeoutMillis: 2500 });
  });
});
