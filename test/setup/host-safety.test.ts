// Fault injection for `node --import openjoules/register app.mjs`: every bad setting or broken backend leaves the app
// running to completion, exiting 0 within a few seconds, with one line saying what went wrong. Child processes run
// the fixture apps against the built dist/, as a user's process would. The exit-time bounds are wall-clock on a
// shared machine: the slack over the configured bound (500 ms) is process teardown, noisy under load.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../helpers/build.js';
import { collector, runApp, spansIn } from './run-app.js';

const SPANS = 3 * 4; // agent-app.mjs: three turns of four spans
const TEARDOWN_SLACK_MS = 500;
const closers: Array<() => void> = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});
beforeAll(() => ensureBuilt(), 120_000);

const outDir = () => join(mkdtempSync(join(tmpdir(), 'oj-safety-')), 'spans');

describe('malformed OTLP settings: OTLP is off, spans go to the JSONL default, one line names the variable', () => {
  const cases: ReadonlyArray<[string, Record<string, string>, RegExp]> = [
    ['an endpoint that is not a URL', { OTEL_EXPORTER_OTLP_ENDPOINT: 'notaurl' }, /^openjoules: OTEL_EXPORTER_OTLP_ENDPOINT "notaurl" is not an http\(s\) URL; OTLP export is off; spans go to .*\.jsonl instead$/],
    ['an unparseable traces endpoint', { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://[::1' }, /^openjoules: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT "http:\/\/\[::1" is not an http\(s\) URL; OTLP export is off/],
    ['an endpoint with another scheme', { OTEL_EXPORTER_OTLP_ENDPOINT: 'grpc://collector:4317' }, /OTEL_EXPORTER_OTLP_ENDPOINT "grpc:\/\/collector:4317" is not an http\(s\) URL \(scheme grpc:\); OTLP export is off/],
    ['a header name HTTP does not allow', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_EXPORTER_OTLP_HEADERS: 'bad header=1' }, /OTEL_EXPORTER_OTLP_HEADERS: header "bad header" has a name or value HTTP does not allow; OTLP export is off/],
    ['a header value with a line break', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_EXPORTER_OTLP_HEADERS: 'x-tenant=a%0D%0Ab' }, /OTEL_EXPORTER_OTLP_HEADERS: header "x-tenant" has a name or value HTTP does not allow; OTLP export is off/],
  ];
  it.each(cases)('%s', async (_what, env, line) => {
    const out = outDir();
    const run = await runApp('agent-app.mjs', { env: { ...env, OPENJOULES_OUT_DIR: out } });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/work-ms=/);
    expect(run.exitAfterEndMs).toBeLessThan(3000);
    expect(run.lines).toHaveLength(1);
    expect(run.lines[0]).toMatch(line);
    expect(spansIn(out)).toHaveLength(SPANS);
  });

  it('malformed header pairs and timeouts are ignored with one line each; the spans still reach the Collector', async () => {
    const live = await collector('answer');
    closers.push(live.close);
    const run = await runApp('agent-app.mjs', {
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: live.url, OTEL_EXPORTER_OTLP_HEADERS: 'x-tenant=acme,novalue,x=%zz', OTEL_EXPORTER_OTLP_TIMEOUT: 'soon', OTEL_BSP_MAX_QUEUE_SIZE: '-1' },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.lines.sort()).toEqual([
      'openjoules: OTEL_BSP_MAX_QUEUE_SIZE "-1" is not a whole number from 1 to 2147483647; using the default',
      'openjoules: OTEL_EXPORTER_OTLP_HEADERS: "novalue", "x=%zz" not key=value with URL-encoded parts; ignored',
      'openjoules: OTEL_EXPORTER_OTLP_TIMEOUT "soon" is not a positive number of ms; using 10000',
    ]);
    const traces = live.received.filter((r) => r.startsWith('/v1/traces '));
    expect(traces.join('').match(/"spanId"/g)).toHaveLength(SPANS);
  });
});

describe('OPENJOULES_OUT_DIR that cannot be written', () => {
  it('under /proc: the JSONL target fails once, the loss is counted in one line, no spinning, a prompt exit', async (ctx) => {
    if (process.platform !== 'linux') {
      console.log(`/proc case skipped: ${process.platform} has no /proc`);
      ctx.skip();
    }
    const run = await runApp('agent-app.mjs', { env: { OPENJOULES_OUT_DIR: '/proc/openjoules-out' } });
    expect(run.code, run.stderr).toBe(0);
    expect(run.exitAfterEndMs).toBeLessThan(3000);
    expect(run.lines).toHaveLength(1);
    expect(run.lines[0]).toMatch(
      /^openjoules: 12 span\(s\) dropped on the way to \/proc\/openjoules-out\/traces-.*\.jsonl \(queue full: 0, export failed: 12; last error: cannot write .*: ENOENT.*; no more spans are written there\)$/,
    );
  });
});

describe('a Collector that is down or hangs: shutdown is bounded, what was not sent is counted in one line', () => {
  const bound = (ms: number) => ms + TEARDOWN_SLACK_MS;

  it('refused (nothing listens): exit within 5 s by default, the 12 spans counted', async () => {
    const down = await collector('refused');
    const run = await runApp('agent-app.mjs', { env: { OTEL_EXPORTER_OTLP_ENDPOINT: down.url } });
    expect(run.code, run.stderr).toBe(0);
    expect(Number(/work-ms=([\d.]+)/.exec(run.stdout)?.[1])).toBeLessThan(2000); // the agent never waited on it
    expect(run.exitAfterEndMs).toBeLessThan(bound(5000));
    expect(run.lines).toHaveLength(1);
    expect(run.lines[0]).toMatch(/^openjoules: 12 span\(s\) dropped on the way to OTLP http:\/\/127\.0\.0\.1:\d+\/v1\/traces \(queue full: 0, /);
  });

  it('silent (accepts, never answers), OTEL_EXPORTER_OTLP_TIMEOUT=20000: still within 5 s; the timeout is capped by the shutdown bound', async () => {
    const hung = await collector('silent');
    closers.push(hung.close);
    const run = await runApp('agent-app.mjs', { env: { OTEL_EXPORTER_OTLP_ENDPOINT: hung.url, OTEL_EXPORTER_OTLP_TIMEOUT: '20000' } });
    expect(run.code, run.stderr).toBe(0);
    expect(run.exitAfterEndMs).toBeLessThan(bound(5000));
    expect(run.exitAfterEndMs).toBeGreaterThan(4000); // it did wait for the backend, up to the bound
    expect(run.lines).toHaveLength(1);
    expect(run.lines[0]).toMatch(/^openjoules: 12 span\(s\) dropped on the way to OTLP .*\(queue full: 0, export failed: (0, unsent at shutdown \(waited up to 4750 ms\): 12|12; last error: .*)\)$/);
  });

  it('OPENJOULES_SHUTDOWN_TIMEOUT_MS=1000 makes the bound 1 s', async () => {
    const hung = await collector('silent');
    closers.push(hung.close);
    const run = await runApp('agent-app.mjs', { env: { OTEL_EXPORTER_OTLP_ENDPOINT: hung.url, OPENJOULES_SHUTDOWN_TIMEOUT_MS: '1000' } });
    expect(run.code, run.stderr).toBe(0);
    expect(run.exitAfterEndMs).toBeLessThan(bound(1000));
    expect(run.lines).toHaveLength(1);
    expect(run.lines[0]).toMatch(/^openjoules: 12 span\(s\) dropped on the way to OTLP /);
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('%s to a running service: flushed within 5 s, then the signal ends it as it would have', async (signal) => {
    const hung = await collector('silent');
    closers.push(hung.close);
    const run = await runApp('long-running-app.mjs', { env: { OTEL_EXPORTER_OTLP_ENDPOINT: hung.url }, signal });
    expect(run.signal, run.stderr).toBe(signal);
    expect(run.exitAfterSignalMs).toBeLessThan(bound(5000));
    expect(run.lines).toHaveLength(1);
    expect(run.lines[0]).toMatch(/^openjoules: \d+ span\(s\) dropped on the way to OTLP /);
  });
});
