/* eslint-disable @typescript-eslint/no-explicit-any -- OTLP JSON read loosely */
// Vercel AI SDK 7 needs Node >= 22: its app (test/fixtures/instrument/ai-sdk-7-app.mjs) runs in a child process on
// this Node when it is 22+, else on Node 24 from the registry's `node` package (`npx -p node@24`), with ai@7 installed
// in a temp directory (kept between runs). Without either, the test says why and skips. Expected as with v6: the AI
// SDK's spans (now through @ai-sdk/otel) are the only ones, each with joules; openjoules adds none.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, repoRoot } from '../../helpers/build.js';
import { startFakeProvider, type FakeProvider } from '../fake-providers.js';
import { FIXTURE_DIR } from './peer-fixture.js';

const AI7_PACKAGES = ['ai@7', '@ai-sdk/openai@4', '@ai-sdk/otel@1', 'zod@4'];
const AI7_DIR = join(tmpdir(), 'openjoules-ai-sdk-7-v1');
const FIXTURE = 'ai-sdk-7.jsonl';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], options: { cwd: string; env?: Record<string, string>; timeoutMs: number }): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, timeout: options.timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (error) => resolve({ code: -1, stdout, stderr: stderr + String(error) }));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const lastLine = (text: string): string => text.trim().split('\n').pop() ?? '';

/** The node command for Node >= 22, or why there is none. */
async function node22Plus(): Promise<{ command: string; args: string[] } | { reason: string }> {
  if (Number(process.versions.node.split('.')[0]) >= 22) return { command: process.execPath, args: [] };
  const probe = await run('npx', ['-y', '-p', 'node@24', 'node', '-v'], { cwd: tmpdir(), timeoutMs: 180_000 });
  if (probe.code === 0) return { command: 'npx', args: ['-y', '-p', 'node@24', 'node'] };
  return { reason: `AI SDK 7 needs Node >= 22, this is ${process.version}, and "npx -p node@24 node" failed: ${lastLine(probe.stderr)}` };
}

/** Installs ai@7 and friends into AI7_DIR once; returns why not when it cannot. */
async function installAi7(): Promise<string | undefined> {
  if (existsSync(join(AI7_DIR, 'node_modules', '@ai-sdk', 'otel', 'package.json'))) return undefined;
  mkdirSync(AI7_DIR, { recursive: true });
  writeFileSync(join(AI7_DIR, 'package.json'), JSON.stringify({ name: 'openjoules-ai-sdk-7-app', private: true, type: 'module' }));
  const install = await run('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock', ...AI7_PACKAGES], { cwd: AI7_DIR, timeoutMs: 300_000 });
  return install.code === 0 ? undefined : `npm install ${AI7_PACKAGES.join(' ')} failed: ${lastLine(install.stderr)}`;
}

let fake: FakeProvider;
beforeAll(async () => {
  ensureBuilt();
  fake = await startFakeProvider();
}, 120_000);
afterAll(() => fake.close());

describe('Vercel AI SDK 7 beside openjoules (child process on Node >= 22)', () => {
  it('its spans are the only ones, each with joules; their attribute keys match test/fixtures/peers/ai-sdk-7.jsonl', async (ctx) => {
    const node = await node22Plus();
    const notInstalled = 'reason' in node ? undefined : await installAi7();
    const reason = 'reason' in node ? node.reason : notInstalled;
    if (reason) {
      console.warn(`ai-sdk-7.test.ts skipped: ${reason}`);
      ctx.skip(reason);
    }
    const { command, args } = node as { command: string; args: string[] };
    const out = mkdtempSync(join(tmpdir(), 'oj-ai7-out-'));
    const app = join(AI7_DIR, 'app.mjs');
    copyFileSync(join(repoRoot, 'test', 'fixtures', 'instrument', 'ai-sdk-7-app.mjs'), app);
    const spansFile = join(out, 'spans.jsonl');
    const result = await run(command, [...args, app], {
      cwd: AI7_DIR,
      env: { OPENJOULES_REPO: repoRoot, FAKE_URL: fake.url, SPANS_FILE: spansFile },
      timeoutMs: 180_000,
    });
    expect(result.code, result.stderr).toBe(0);
    const seen = JSON.parse(lastLine(result.stdout));
    expect(seen).toMatchObject({ streamed: 'Hello world', generated: 'Hello world' });
    expect(seen.ai).toMatch(/^7\./);
    expect(Number(seen.node.slice(1).split('.')[0])).toBeGreaterThanOrEqual(22);

    const raw = readFileSync(spansFile, 'utf8');
    const spans = raw
      .trim()
      .split('\n')
      .flatMap((line) => JSON.parse(line).resourceSpans as any[])
      .flatMap((rs) => rs.scopeSpans.flatMap((ss: any) => ss.spans.map((s: any) => ({ scope: ss.scope.name as string, name: s.name as string, attrs: Object.fromEntries(s.attributes.map((a: any) => [a.key, a.value])) }))));
    expect(spans.length).toBeGreaterThan(0);
    expect(spans.filter((s) => s.scope === 'openjoules')).toEqual([]);
    for (const span of spans) expect(span.attrs['energy.joules'], `${span.scope}: ${span.name}`).toBeDefined();
    expect(raw).not.toContain('SECRETSECRET');

    const shape = (text: string): string[] =>
      text
        .trim()
        .split('\n')
        .flatMap((line) => JSON.parse(line).resourceSpans as any[])
        .flatMap((rs) => rs.scopeSpans.flatMap((ss: any) => ss.spans.map((s: any) => `${ss.scope.name} | ${s.name} | ${s.attributes.map((a: any) => a.key).filter((k: string) => !k.startsWith('energy.')).sort().join(' ')}`)))
        .sort();
    const fixture = join(FIXTURE_DIR, FIXTURE);
    if (process.env.OPENJOULES_UPDATE_PEER_FIXTURES === '1') {
      copyFileSync(spansFile, fixture);
      console.log(`openjoules: wrote ${fixture}`);
    }
    expect(shape(readFileSync(fixture, 'utf8')), `${FIXTURE} no longer matches the library's spans: rerun with OPENJOULES_UPDATE_PEER_FIXTURES=1`).toEqual(shape(raw));
    rmSync(out, { recursive: true, force: true });
  }, 600_000);
});
