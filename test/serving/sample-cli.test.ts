// `openjoules sample` as a process against the NVML double (test/doubles/nvml.c, the driver's ABI): the timeline it
// writes, the hw.* metrics it exports over OTLP/HTTP (a local server speaking OTLP/HTTP JSON), and a clean SIGTERM.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SAMPLE_INTERVAL_MS } from '../../src/runtime/energy/sources/config.js';
import { repoRoot } from '../helpers/build.js';
import { buildDouble } from '../energy/helpers/doubles.js';

function start(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'src/analysis/cli/main.ts'), 'sample', ...args], { cwd: repoRoot, env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
  return { child, exited, out: () => stdout, err: () => stderr };
}

function doubleEnv(dir: string, control: string): NodeJS.ProcessEnv {
  writeFileSync(join(dir, 'control'), control);
  return { OJ_NVML_DOUBLE_CONTROL: join(dir, 'control'), OPENJOULES_ENERGY_SOURCES: 'nvml', OPENJOULES_NVML_LIBRARY: buildDouble('nvml'), OTEL_EXPORTER_OTLP_ENDPOINT: '' };
}

function samples(dir: string): { device: string; timeUnixMs: number; joules: number; watts?: number }[] {
  const files = existsSync(dir) ? readdirSync(dir) : [];
  return files.flatMap((f) =>
    readFileSync(join(dir, f), 'utf8')
      .split('\n')
      .filter((l) => l.includes('timeUnixMs'))
      .map((l) => JSON.parse(l) as { device: string; timeUnixMs: number; joules: number; watts?: number }),
  );
}

describe('openjoules sample', () => {
  it('writes the timeline until SIGTERM, then what is final, and exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oj-sample-'));
    const out = join(dir, 'timeline');
    const run = start(['--out', out, '--step-ms', '10'], doubleEnv(dir, 'devices=2\npower_mw=150000\n'));
    const deadline = Date.now() + 60_000;
    while (samples(out).length < 2 * 100 && Date.now() < deadline) await sleep(200);
    const stoppedAt = Date.now();
    run.child.kill('SIGTERM');
    const [code, signal] = await run.exited;
    expect({ code, signal }, run.err()).toEqual({ code: 0, signal: null });
    expect(Date.now() - stoppedAt).toBeLessThan(5_000);
    expect(run.err()).toContain(`openjoules sample: sampling nvml:0 (NVIDIA Test Double 0, counter) every ${DEFAULT_SAMPLE_INTERVAL_MS} ms`);
    expect(run.err()).toMatch(/openjoules sample: stopped; \d+ sample line\(s\) in 1 file\(s\) under /);
    const files = readdirSync(out);
    expect(run.out().trim().split('\n')).toEqual(files.map((f) => join(out, f)));
    const lines = readFileSync(join(out, files[0]!), 'utf8').trimEnd().split('\n');
    expect(JSON.parse(lines[0]!)).toMatchObject({ device: 'nvml:0', hwType: 'gpu', source: 'nvml', method: 'counter' });
    for (const device of ['nvml:0', 'nvml:1']) {
      const mine = samples(out).filter((s) => s.device === device);
      expect(mine.length).toBeGreaterThan(100);
      // On the 10 ms grid, strictly increasing, no step skipped.
      for (let i = 1; i < mine.length; i++) expect(mine[i]!.timeUnixMs - mine[i - 1]!.timeUnixMs).toBe(10);
      // 150 W: the joules over the whole run, from the double's counter. (Each 10 ms step's own watts carry the
      // jitter between a reading's timestamp and its driver call, so only their mean is checked.)
      const first = mine[0]!;
      const last = mine.at(-1)!;
      expect(((last.joules - first.joules) / (last.timeUnixMs - first.timeUnixMs)) * 1000).toBeCloseTo(150, 0);
    }
  });

  it('exports hw.energy and hw.power over OTLP/HTTP when given an endpoint, and stops by itself after --duration-s', async () => {
    const bodies: string[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        bodies.push(`${req.url} ${body}`);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const dir = mkdtempSync(join(tmpdir(), 'oj-sample-'));
      const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const run = start(['--out', join(dir, 'timeline'), '--duration-s', '2', '--otlp-endpoint', endpoint], { ...doubleEnv(dir, 'devices=1\npower_mw=90000\n'), OTEL_METRIC_EXPORT_INTERVAL: '500' });
      const [code] = await run.exited;
      expect(code, run.err()).toBe(0);
      expect(run.err()).toContain(`exporting hw.energy, hw.power to ${endpoint}/v1/metrics`);
      const metrics = bodies.filter((b) => b.startsWith('/v1/metrics '));
      expect(metrics.length).toBeGreaterThan(0);
      const all = metrics.join('\n');
      for (const name of ['"hw.energy"', '"hw.power"', '"hw.id"', '"nvml:0"']) expect(all).toContain(name);
      expect(samples(join(dir, 'timeline')).length).toBeGreaterThan(50);
    } finally {
      server.close();
    }
  });

  it('says why and exits 2 when there is no device', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oj-sample-'));
    const run = start(['--out', join(dir, 'timeline')], { OPENJOULES_ENERGY_SOURCES: 'nvml', OPENJOULES_NVML_LIBRARY: join(dir, 'absent.so') });
    const [code] = await run.exited;
    expect(code).toBe(2);
    expect(run.err()).toMatch(/not used: nvml: .*\n/);
    expect(run.err()).toContain('openjoules sample: no device to sample; nothing written (see `openjoules devices`)');
    expect(existsSync(join(dir, 'timeline'))).toBe(false);
  });
});
