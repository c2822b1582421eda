/**
 * Child-process servers for the e2e tier: free loopback ports, bounded waits with clear messages, logs kept for
 * failures, and a registry so every process is killed in afterAll (and on exit) even when a test fails.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const ROOT = resolve(import.meta.dirname, '..', '..', '..');
export const CONFIG_DIR = join(ROOT, 'collector-config');

/** A free TCP port on 127.0.0.1 (the OS picks it; there is a tiny race until the server binds it). */
export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const server = createServer();
    server.unref();
    server.on('error', rej);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? res(address.port) : rej(new Error('no port'))));
    });
  });
}

export async function freePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `openjoules-e2e-${prefix}-`));
}

/** Where a binary is: $<envVar>, else .cache/bin/<name>, else on PATH. */
export function findBinary(name: string, envVar: string): string | undefined {
  const fromEnv = process.env[envVar];
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined;
  const cached = join(ROOT, '.cache', 'bin', name);
  if (existsSync(cached)) return cached;
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const candidate = join(dir, name);
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Prints the one line a missing prerequisite gets; the caller then skips. Never silent. */
export function skipped(what: string, why: string): void {
  console.warn(`SKIPPED ${what}: ${why}`);
}

export interface Server {
  readonly name: string;
  readonly proc: ChildProcess;
  readonly logFile: string;
  /** The last lines of the server's output, for failure messages. */
  tail(lines?: number): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. */
  stop(graceMs?: number): Promise<void>;
  readonly exited: Promise<number | null>;
}

const running = new Set<Server>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const s of running) if (s.proc.exitCode === null && s.proc.pid) s.proc.kill('SIGKILL');
  });
}

export interface StartOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  readonly logDir: string;
}

export function startServer(name: string, command: string, args: readonly string[], options: StartOptions): Server {
  installExitHook();
  mkdirSync(options.logDir, { recursive: true });
  const logFile = join(options.logDir, `${name}.log`);
  const log: WriteStream = createWriteStream(logFile, { flags: 'a' });
  log.write(`$ ${command} ${args.join(' ')}\n`);
  const proc = spawn(command, args, {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout?.pipe(log, { end: false });
  proc.stderr?.pipe(log, { end: false });
  const exited = new Promise<number | null>((res) => {
    proc.on('exit', (code) => {
      log.write(`\n[exited with ${code}]\n`);
      res(code);
    });
    proc.on('error', (error) => {
      log.write(`\n[spawn error: ${error.message}]\n`);
      res(-1);
    });
  });
  const server: Server = {
    name,
    proc,
    logFile,
    exited,
    tail: (lines = 25) => {
      try {
        return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
      } catch {
        return '(no log)';
      }
    },
    stop: async (graceMs = 10_000) => {
      running.delete(server);
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  running.add(server);
  return server;
}

/** Stops every server still running (afterAll). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((s) => s.stop(5_000)));
}

/** Polls `check` until it returns a value (not undefined), or fails after `timeoutMs` with `what` and the log tails. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  servers: readonly Server[] = [],
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    for (const s of servers) {
      if (s.proc.exitCode !== null) throw new Error(`${s.name} exited (code ${s.proc.exitCode}) while waiting for ${what}:\n${s.tail()}`);
    }
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = (error as Error).message;
    }
    await sleep(intervalMs);
  }
  const logs = servers.map((s) => `--- ${s.name} (${s.logFile}) ---\n${s.tail()}`).join('\n');
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${lastError})` : ''}\n${logs}`);
}

/** GET a URL; resolves to the body when the status is 2xx, else undefined. Times out after 5 s. */
export async function httpGet(url: string, headers: Record<string, string> = {}): Promise<string | undefined> {
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(5_000) });
  if (!response.ok) return undefined;
  return response.text();
}

export async function waitHttpOk(what: string, url: string, timeoutMs: number, servers: readonly Server[]): Promise<void> {
  await waitFor(what, async () => ((await httpGet(url)) !== undefined ? true : undefined), timeoutMs, servers);
}

/** Runs a command to completion (e.g. `otelcol validate`); resolves with its exit code and output. */
export async function runCommand(command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000): Promise<{ code: number | null; output: string }> {
  return new Promise((res) => {
    const proc = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    proc.stdout.on('data', (d: Buffer) => (output += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    proc.on('close', (code) => {
      clearTimeout(timer);
      res({ code, output });
    });
  });
}

/** Removes a test's work directory unless a test failed or OPENJOULES_E2E_KEEP=1 (then its path is printed). */
export function cleanupWorkDir(dir: string, failed: boolean): void {
  if (failed || process.env.OPENJOULES_E2E_KEEP === '1') {
    console.log(`e2e work dir kept (server logs, file exporter output): ${dir}`);
    return;
  }
  rmSync(dir, { recursive: true, force: true });
}
