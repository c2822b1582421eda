/* eslint-disable @typescript-eslint/no-explicit-any -- assertions walk parsed OTLP/JSON documents */
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, repoRoot } from '../helpers/build.js';

const app = join(repoRoot, 'test', 'fixtures', 'apps', 'agent-app.mjs');

function runApp(
  env: Record<string, string>,
  args: string[] = ['--import', 'openjoules/register'],
  file: string = app,
): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...args, file], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', OPENJOULES_ENERGY_SOURCES: 'none', OTEL_BSP_SCHEDULE_DELAY: '50', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: Date.now() - started }));
  });
}

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

function collector(handler?: (req: IncomingMessage, body: string) => boolean): Promise<{ url: string; bodies: Array<{ path: string; headers: IncomingMessage['headers']; json: any }> }> {
  const bodies: Array<{ path: string; headers: IncomingMessage['headers']; json: any }> = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      if (handler && !handler(req, body)) return; // leave the request hanging: a slow backend
      bodies.push({ path: req.url ?? '', headers: req.headers, json: JSON.parse(body) });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  servers.push(server);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, bodies })));
}

beforeAll(() => ensureBuilt(), 120_000);

describe('node --import openjoules/register', () => {
  it('with no endpoint, writes Collector-format JSONL to OPENJOULES_OUT_DIR, with joules from the configured source', async () => {
    const out = mkdtempSync(join(tmpdir(), 'oj-reg-'));
    const rapl = join(out, 'powercap', 'intel-rapl:0');
    mkdirSync(rapl, { recursive: true });
    writeFileSync(join(rapl, 'name'), 'package-0\n');
    writeFileSync(join(rapl, 'energy_uj'), '1000000\n');
    writeFileSync(join(rapl, 'max_energy_range_uj'), '262143328850\n');
    const result = await runApp({
      OPENJOULES_OUT_DIR: join(out, 'spans'),
      OPENJOULES_ENERGY_SOURCES: 'rapl',
      OPENJOULES_RAPL_ROOT: join(out, 'powercap'),
      OTEL_SERVICE_NAME: 'reg-app',
    });
    expect(result.code, result.stderr).toBe(0);
    const files = readdirSync(join(out, 'spans'));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^traces-.*\.jsonl$/);
    const lines = readFileSync(join(out, 'spans', files[0]!), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const spans = lines.flatMap((l) => l.resourceSpans.flatMap((rs: any) => rs.scopeSpans.flatMap((ss: any) => ss.spans)));
    expect(spans).toHaveLength(3 * 4);
    const resource = lines[0].resourceSpans[0].resource.attributes;
    expect(resource).toContainEqual({ key: 'service.name', value: { stringValue: 'reg-app' } });
    expect(resource).toContainEqual({ key: 'openjoules.energy.sources', value: { arrayValue: { values: [{ stringValue: 'rapl' }] } } });
    const turn = spans.find((s: any) => s.name === 'invoke_agent app');
    const attr = (s: any, k: string) => s.attributes.find((a: any) => a.key === k)?.value;
    expect(attr(turn, 'energy.source')).toEqual({ stringValue: 'rapl' });
    expect(attr(turn, 'energy.joules')).toBeDefined(); // the counter did not move: a measured 0 J, not a missing value
  });

  it('node -r openjoules/register works for a CommonJS app that requires openjoules', async () => {
    const out = mkdtempSync(join(tmpdir(), 'oj-reg-cjs-'));
    const result = await runApp({ OPENJOULES_OUT_DIR: out }, ['-r', 'openjoules/register'], join(repoRoot, 'test', 'fixtures', 'apps', 'agent-app.cjs'));
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('done');
    const file = readdirSync(out).find((f) => f.endsWith('.jsonl'))!;
    const text = readFileSync(join(out, file), 'utf8');
    expect(text).toContain('"invoke_agent cjs-app"');
    expect(text).toContain('"execute_tool a"');
  });

  it('with OTEL_EXPORTER_OTLP_ENDPOINT, sends OTLP/HTTP with the configured headers and resource', async () => {
    const server = await collector();
    const result = await runApp({
      OTEL_EXPORTER_OTLP_ENDPOINT: server.url,
      OTEL_EXPORTER_OTLP_HEADERS: 'x-tenant=acme',
      OTEL_SERVICE_NAME: 'otlp-app',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=test',
    });
    expect(result.code, result.stderr).toBe(0);
    const traces = server.bodies.filter((b) => b.path === '/v1/traces');
    expect(traces.length).toBeGreaterThan(0);
    expect(traces[0]!.headers['x-tenant']).toBe('acme');
    const spans = traces.flatMap((b) => b.json.resourceSpans.flatMap((rs: any) => rs.scopeSpans.flatMap((ss: any) => ss.spans)));
    expect(spans.map((s: any) => s.name).filter((n: string) => n.startsWith('invoke_agent'))).toHaveLength(3);
    const resource = traces[0]!.json.resourceSpans[0].resource.attributes;
    expect(resource).toContainEqual({ key: 'service.name', value: { stringValue: 'otlp-app' } });
    expect(resource).toContainEqual({ key: 'deployment.environment.name', value: { stringValue: 'test' } });
  });

  it('an endpoint that is down never blocks the agent; the loss is counted and reported once', async () => {
    const server = await collector();
    const port = new URL(server.url).port;
    servers.pop()!.close(); // nothing listens there now
    const result = await runApp({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_EXPORTER_OTLP_TIMEOUT: '500' });
    expect(result.code).toBe(0);
    const work = Number(/work-ms=([\d.]+)/.exec(result.stdout)?.[1]);
    expect(work).toBeLessThan(2000);
    const lines = result.stderr.split('\n').filter((l) => l.startsWith('openjoules:'));
    // A loss first seen while shutting down is said once, in the total; one seen earlier also gets a line as it happens.
    expect(lines.filter((l) => l.includes('dropping spans')).length).toBeLessThanOrEqual(1);
    expect(lines.filter((l) => /openjoules: 12 span\(s\) dropped on the way to OTLP http:\/\/127\.0\.0\.1:\d+\/v1\/traces \(queue full: 0, export failed: 12/.test(l))).toHaveLength(1);
  });

  it('a backend that never answers does not slow the agent; shutdown is bounded by the export timeout', async () => {
    const server = await collector(() => false);
    const result = await runApp({ OTEL_EXPORTER_OTLP_ENDPOINT: server.url, OTEL_EXPORTER_OTLP_TIMEOUT: '500', APP_TURNS: '5' });
    expect(result.code).toBe(0);
    expect(Number(/work-ms=([\d.]+)/.exec(result.stdout)?.[1])).toBeLessThan(2000);
    expect(result.ms).toBeLessThan(5_000); // the export timeout (500 ms) bounds the last export
    expect(result.stderr).toMatch(/openjoules: \d+ span\(s\) dropped/);
  });
});
