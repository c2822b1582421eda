// The OTLP settings are checked before an exporter is built: one table of what is accepted, what is ignored with a
// note, and what makes OTLP export unusable (the exporter would throw, or fail every request).
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { describe, expect, it } from 'vitest';
import { otlpSignalConfig } from '../../src/runtime/setup/otlp-config.js';

const ROWS: ReadonlyArray<{ env: Record<string, string>; url?: string; headers?: Record<string, string>; timeoutMillis?: number; problem?: string; notes?: string[] }> = [
  { env: {}, url: 'http://localhost:4318/v1/traces', headers: {}, timeoutMillis: 10_000 },
  { env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'https://c.example:4318/base/' }, url: 'https://c.example:4318/base/v1/traces' },
  { env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://t:1/custom', OTEL_EXPORTER_OTLP_ENDPOINT: 'notaurl' }, url: 'http://t:1/custom' },
  { env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'notaurl' }, problem: 'OTEL_EXPORTER_OTLP_ENDPOINT "notaurl" is not an http(s) URL' },
  { env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://' }, problem: 'OTEL_EXPORTER_OTLP_ENDPOINT "http://" is not an http(s) URL' },
  { env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://[::1' }, problem: 'OTEL_EXPORTER_OTLP_ENDPOINT "http://[::1" is not an http(s) URL' },
  { env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'ftp://c:21' }, problem: 'OTEL_EXPORTER_OTLP_ENDPOINT "ftp://c:21" is not an http(s) URL (scheme ftp:)' },
  { env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'localhost:4318' }, problem: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT "localhost:4318" is not an http(s) URL (scheme localhost:)' },
  { env: { OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20t0k, x-tenant = acme' }, headers: { authorization: 'Bearer t0k', 'x-tenant': 'acme' } },
  {
    env: { OTEL_EXPORTER_OTLP_HEADERS: 'a,=b,x=%zz,ok=1' },
    headers: { ok: '1' },
    notes: ['OTEL_EXPORTER_OTLP_HEADERS: "a", "=b", "x=%zz" not key=value with URL-encoded parts; ignored'],
  },
  { env: { OTEL_EXPORTER_OTLP_HEADERS: 'bad header=1' }, problem: 'OTEL_EXPORTER_OTLP_HEADERS: header "bad header" has a name or value HTTP does not allow' },
  { env: { OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x=a%0Ab' }, problem: 'OTEL_EXPORTER_OTLP_TRACES_HEADERS: header "x" has a name or value HTTP does not allow' },
  { env: { OTEL_EXPORTER_OTLP_TIMEOUT: 'abc' }, timeoutMillis: 10_000, notes: ['OTEL_EXPORTER_OTLP_TIMEOUT "abc" is not a positive number of ms; using 10000'] },
  { env: { OTEL_EXPORTER_OTLP_TIMEOUT: '-5' }, timeoutMillis: 10_000, notes: ['OTEL_EXPORTER_OTLP_TIMEOUT "-5" is not a positive number of ms; using 10000'] },
  // Longer than a timer can hold: capped, not fired at once (Node's TimeoutOverflowWarning).
  { env: { OTEL_EXPORTER_OTLP_TIMEOUT: '1e12' }, timeoutMillis: 2 ** 31 - 1 },
  { env: { OTEL_EXPORTER_OTLP_TIMEOUT: '2500', OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '700' }, timeoutMillis: 700 },
];

describe('otlpSignalConfig', () => {
  it.each(ROWS)('$env', (row) => {
    const got = otlpSignalConfig(row.env, 'traces');
    expect(got.problem?.message).toBe(row.problem);
    if (row.problem) expect(got.url).toBeUndefined();
    if (row.url) expect(got.url).toBe(row.url);
    if (row.headers) expect(got.headers).toEqual(row.headers);
    if (row.timeoutMillis) expect(got.timeoutMillis).toBe(row.timeoutMillis);
    expect(got.notes.map((n) => n.message)).toEqual(row.notes ?? []);
  });

  it('what it accepts, the SDK exporter accepts; what it calls an endpoint problem, the SDK exporter throws on', () => {
    for (const row of ROWS) {
      const got = otlpSignalConfig(row.env, 'traces');
      if (got.url) expect(() => new OTLPTraceExporter({ url: got.url, headers: got.headers, timeoutMillis: got.timeoutMillis })).not.toThrow();
    }
    expect(() => new OTLPTraceExporter({ url: 'notaurl/v1/traces' })).toThrow(/Could not parse/);
  });
});
