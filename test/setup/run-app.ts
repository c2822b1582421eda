/* eslint-disable @typescript-eslint/no-explicit-any -- parsed OTLP/JSON documents */
// Runs a fixture app in a child process the way a user does (`node --import openjoules/register app.mjs`, against the
// built dist/), and reads back what it wrote: the tests of host safety, Node majors and host preloads share it.
import { execFileSync, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers/build.js';

export const appsDir = join(repoRoot, 'test', 'fixtures', 'apps');

export interface AppRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** `openjoules:` lines on stderr. */
  readonly lines: string[];
  /** Wall time of the whole run, ms. */
  readonly ms: number;
  /** From the app's `ended-at=` line (its own work done) to the process gone, ms; NaN without that line. */
  readonly exitAfterEndMs: number;
  /** From `signal` sent to the process gone, ms; NaN when none was sent. */
  readonly exitAfterSignalMs: number;
}

export interface AppRunOptions {
  /** Node arguments before the app; default `--import openjoules/register`. */
  readonly args?: readonly string[];
  /** The node binary; default this one. */
  readonly node?: string;
  /** Variables on top of PATH, OPENJOULES_ENERGY_SOURCES=none and OTEL_BSP_SCHEDULE_DELAY=50. */
  readonly env?: Record<string, string>;
  /** Sends this signal once stdout has a line starting with `ready`. */
  readonly signal?: NodeJS.Signals;
  /** Kills the child (SIGKILL) after this many ms, so a hang fails the test instead of the run; default 30000. */
  readonly killAfterMs?: number;
}

/** The node binary of each major: this one for its own major, npx's for the others; a reason when there is none. */
export function nodeBinary(major: number): { path?: string; reason?: string } {
  if (Number(process.versions.node.split('.')[0]) === major) return { path: process.execPath };
  try {
    const path = execFileSync('npx', ['-y', '-p', `node@${major}`, 'node', '-p', 'process.execPath'], { encoding: 'utf8', timeout: 180_000, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
    return path ? { path } : { reason: 'npx printed no path' };
  } catch (error) {
    return { reason: `npx -p node@${major} failed: ${(error as Error).message.split('\n')[0]}` };
  }
}

/** Runs `app` (a file in test/fixtures/apps, or a path) and resolves when it is gone. */
export function runApp(app: string, options: AppRunOptions = {}): Promise<AppRun> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(options.node ?? process.execPath, [...(options.args ?? ['--import', 'openjoules/register']), app.startsWith('/') ? app : join(appsDir, app)], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', OPENJOULES_ENERGY_SOURCES: 'none', OTEL_BSP_SCHEDULE_DELAY: '50', ...options.env },
    });
    let stdout = '';
    let stderr = '';
    let signalledAt = NaN;
    const killer = setTimeout(() => child.kill('SIGKILL'), options.killAfterMs ?? 30_000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (options.signal && Number.isNaN(signalledAt) && /^ready/m.test(stdout)) {
        signalledAt = Date.now();
        child.kill(options.signal);
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      const now = Date.now();
      const endedAt = Number(/ended-at=(\d+)/.exec(stdout)?.[1]);
      resolve({
        code,
        signal,
        stdout,
        stderr,
        lines: stderr.split('\n').filter((l) => l.startsWith('openjoules:')),
        ms: now - started,
        exitAfterEndMs: Number.isFinite(endedAt) ? now - endedAt : NaN,
        exitAfterSignalMs: now - signalledAt,
      });
    });
  });
}

/** Spans in the JSONL files of `dir` (all lines of all files), with attributes as a plain object. */
export function spansIn(dir: string): Array<{ name: string; attrs: Record<string, unknown>; resource: Record<string, unknown> }> {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.jsonl'));
  } catch {
    return [];
  }
  return files
    .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean))
    .flatMap((line) => JSON.parse(line).resourceSpans)
    .flatMap((rs: any) =>
      rs.scopeSpans.flatMap((ss: any) =>
        ss.spans.map((s: any) => ({ name: s.name, attrs: attributes(s.attributes), resource: attributes(rs.resource?.attributes) })),
      ),
    );
}

function attributes(list: any[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((a: any) => [a.key, value(a.value)]));
}

function value(v: any): unknown {
  if ('stringValue' in v) return v.stringValue;
  if ('intValue' in v) return Number(v.intValue);
  if ('doubleValue' in v) return v.doubleValue;
  if ('boolValue' in v) return v.boolValue;
  if ('arrayValue' in v) return (v.arrayValue.values ?? []).map(value);
  return v;
}

/**
 * A local OTLP/HTTP endpoint: `answer` receives (and answers 200), `silent` accepts connections and never answers
 * (a Collector that hangs), `refused` is a port nothing listens on (a Collector that is down).
 */
export async function collector(kind: 'answer' | 'silent' | 'refused'): Promise<{ url: string; received: string[]; close(): void }> {
  const received: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      if (kind === 'silent') return;
      received.push(`${req.url} ${body}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const close = () => {
    server.closeAllConnections();
    server.close();
  };
  if (kind === 'refused') close();
  return { url, received, close };
}
