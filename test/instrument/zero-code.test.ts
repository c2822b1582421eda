/* eslint-disable @typescript-eslint/no-explicit-any -- JSON wire formats (provider bodies, OTLP JSON) read loosely */
// Unmodified apps run with `node --import openjoules/register` (ESM) and `node -r openjoules/register` (CommonJS)
// against the fake providers: the real client libraries, the published entry points, spans read back from JSONL.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, repoRoot } from '../helpers/build.js';
import { FIRST_CHUNK_DELAY_MS, startFakeProvider, type FakeProvider } from './fake-providers.js';

const fixtures = join(repoRoot, 'test', 'fixtures', 'instrument');

interface SpanOut {
  name: string;
  scope: string;
  spanId: string;
  parentSpanId?: string;
  status?: { code?: number };
  attrs: Record<string, unknown>;
}
interface RunResult {
  code: number | null;
  stderr: string;
  seen: any;
  spans: SpanOut[];
  raw: string;
}

function value(v: any): unknown {
  if ('stringValue' in v) return v.stringValue;
  if ('intValue' in v) return Number(v.intValue);
  if ('doubleValue' in v) return v.doubleValue;
  if ('boolValue' in v) return v.boolValue;
  if ('arrayValue' in v) return (v.arrayValue.values ?? []).map(value);
  return v;
}

let provider: FakeProvider;
beforeAll(async () => {
  ensureBuilt();
  provider = await startFakeProvider();
}, 120_000);
afterAll(() => provider.close());

function run(app: string, preload: string[], env: Record<string, string> = {}): Promise<RunResult> {
  const out = mkdtempSync(join(tmpdir(), 'oj-instr-'));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...preload, join(fixtures, app)], {
      cwd: repoRoot,
      env: {
        PATH: process.env.PATH ?? '',
        FAKE_URL: provider.url,
        OPENJOULES_OUT_DIR: join(out, 'spans'),
        // The estimate source (TDP × utilization) works on any machine and releases spans at once.
        OPENJOULES_ENERGY_SOURCES: 'estimate',
        OPENJOULES_CPU_TDP_WATTS: '100',
        OTEL_BSP_SCHEDULE_DELAY: '50',
        ...env,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => {
      let raw = '';
      try {
        raw = readdirSync(join(out, 'spans')).map((f) => readFileSync(join(out, 'spans', f), 'utf8')).join('');
      } catch {
        // no spans written
      }
      const spans: SpanOut[] = raw
        .trim()
        .split('\n')
        .filter(Boolean)
        .flatMap((line) => JSON.parse(line).resourceSpans)
        .flatMap((rs: any) => rs.scopeSpans.flatMap((ss: any) => ss.spans.map((s: any) => ({ ...s, scope: ss.scope.name, attrs: Object.fromEntries(s.attributes.map((a: any) => [a.key, value(a.value)])) }))));
      const last = stdout.trim().split('\n').pop() ?? '';
      resolve({ code, stderr, seen: last.startsWith('{') ? JSON.parse(last) : undefined, spans, raw });
    });
  });
}

const ESM = ['--import', 'openjoules/register'];
const CJS = ['-r', 'openjoules/register'];

describe('node --import openjoules/register, openai (ESM app)', () => {
  let result: RunResult;
  beforeAll(async () => {
    result = await run('openai-app.mjs', ESM);
  }, 30_000);

  it('non-streaming chat: a chat span with the response and usage, and joules', () => {
    expect(result.code, result.stderr).toBe(0);
    expect(result.seen.text).toBe('Hello world');
    const span = result.spans.find((s) => s.name === 'chat gpt-4o' && s.attrs['gen_ai.request.stream'] === false)!;
    expect(span.attrs).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.max_tokens': 50,
      'server.address': '127.0.0.1',
      'gen_ai.response.id': 'chatcmpl-1',
      'gen_ai.response.model': 'gpt-4o-2024-08-06',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': 12,
      'gen_ai.usage.output_tokens': 3,
      'gen_ai.usage.cache_read.input_tokens': 4,
      'gen_ai.usage.reasoning.output_tokens': 1,
      'energy.source': 'estimate',
    });
    expect(span.attrs['energy.joules']).toBeDefined();
  });

  it('streaming chat: usage from the final chunk (asked for), time to first chunk, prefill/decode energy', () => {
    const streamed = result.spans.filter((s) => s.name === 'chat gpt-4o-mini');
    expect(streamed).toHaveLength(3);
    for (const span of streamed) {
      expect(span.attrs['gen_ai.request.stream']).toBe(true);
      expect(span.attrs['gen_ai.usage.input_tokens']).toBe(12);
      expect(span.attrs['gen_ai.usage.output_tokens']).toBe(3);
      expect(span.attrs['gen_ai.response.finish_reasons']).toEqual(['stop']);
      expect(span.attrs['gen_ai.response.time_to_first_chunk']).toBeGreaterThanOrEqual((FIRST_CHUNK_DELAY_MS - 5) / 1000);
      expect(span.attrs['energy.prefill.joules']).toBeDefined();
      expect(span.attrs['energy.decode.joules']).toBeDefined();
    }
    const streamRequests = provider.requests.filter((r) => r.path.endsWith('/chat/completions') && r.body.stream);
    expect(streamRequests.every((r) => r.body.stream_options?.include_usage === true)).toBe(true);
  });

  it("the user's stream is the SDK's own Stream, methods intact, with exactly the chunks they asked for", () => {
    expect(result.seen.streamClass).toBe('Stream');
    expect(result.seen.streamMethods).toEqual(['toReadableStream', 'tee', 'controller']);
    // We asked for usage; the user did not: no usage-only chunk, no `usage: null` field.
    expect(result.seen.chunks).toEqual([
      { choices: 1, content: '', usage: 'absent' },
      { choices: 1, content: 'Hello', usage: 'absent' },
      { choices: 1, content: ' world', usage: 'absent' },
      { choices: 1, content: null, usage: 'absent' },
    ]);
    // A user who asked for usage gets their usage chunk.
    expect(result.seen.userUsageChunks).toBe(1);
    // tee(): both branches see every chunk; the span is traced once.
    expect(result.seen.teeLeft).toBe(4);
    expect(result.seen.teeRight).toBe(4);
  });

  it('responses API streaming: usage from response.completed, TTFT at the first delta', () => {
    expect(result.seen.responseEvents).toEqual(['response.created', 'response.output_text.delta', 'response.output_text.delta', 'response.completed']);
    const span = result.spans.find((s) => s.attrs['gen_ai.response.id'] === 'resp_1')!;
    expect(span.attrs).toMatchObject({ 'gen_ai.usage.input_tokens': 10, 'gen_ai.usage.output_tokens': 2, 'gen_ai.response.finish_reasons': ['completed'] });
    expect(span.attrs['gen_ai.response.time_to_first_chunk']).toBeGreaterThanOrEqual((FIRST_CHUNK_DELAY_MS - 5) / 1000);
  });

  it('records no content by default and never the API key or auth headers', () => {
    expect(result.raw).not.toContain('secret prompt');
    expect(result.raw).not.toContain('SECRETSECRET');
    expect(result.raw.toLowerCase()).not.toContain('authorization');
    expect(result.spans.some((s) => 'gen_ai.input.messages' in s.attrs)).toBe(false);
  });

  it('records content with OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true, still without the key', async () => {
    const captured = await run('openai-app.mjs', ESM, { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true' });
    expect(captured.code, captured.stderr).toBe(0);
    const span = captured.spans.find((s) => s.name === 'chat gpt-4o' && s.attrs['gen_ai.request.stream'] === false)!;
    expect(JSON.parse(span.attrs['gen_ai.input.messages'] as string)).toEqual([{ role: 'user', content: 'hi secret prompt' }]);
    expect(JSON.parse(span.attrs['gen_ai.output.messages'] as string)).toEqual([{ role: 'assistant', content: 'Hello world' }]);
    const streamed = captured.spans.find((s) => s.name === 'chat gpt-4o-mini')!;
    expect(JSON.parse(streamed.attrs['gen_ai.output.messages'] as string)).toEqual([{ role: 'assistant', content: 'Hello world' }]);
    expect(captured.raw).not.toContain('SECRETSECRET');
  });
});

describe('node --import openjoules/register, @anthropic-ai/sdk (ESM app)', () => {
  it('clients without the SDK’s own tracing: chat spans with usage (cache included), TTFT, errors; helpers intact', async () => {
    const result = await run('anthropic-app.mjs', ESM, { ANTHROPIC_NATIVE: '0' });
    expect(result.code, result.stderr).toBe(0);
    expect(result.seen).toMatchObject({ text: 'Hello!', rawClass: 'Stream', helperClass: 'MessageStream', helperText: 'Hello there', helperUsage: 15, error: 'BadRequestError' });
    const ours = result.spans.filter((s) => s.scope === 'openjoules');
    expect(ours.map((s) => s.name)).toEqual(['chat claude-test', 'chat claude-test', 'chat claude-test', 'chat fail-model']);
    expect(ours[0]!.attrs).toMatchObject({ 'gen_ai.provider.name': 'anthropic', 'gen_ai.usage.input_tokens': 27, 'gen_ai.usage.output_tokens': 6, 'gen_ai.usage.cache_read.input_tokens': 5, 'gen_ai.usage.cache_creation.input_tokens': 2 });
    for (const span of ours.slice(1, 3)) {
      expect(span.attrs).toMatchObject({ 'gen_ai.request.stream': true, 'gen_ai.usage.input_tokens': 30, 'gen_ai.usage.output_tokens': 15, 'gen_ai.response.finish_reasons': ['end_turn'] });
      expect(span.attrs['gen_ai.response.time_to_first_chunk']).toBeGreaterThanOrEqual((FIRST_CHUNK_DELAY_MS - 5) / 1000);
      expect(span.attrs['energy.prefill.joules']).toBeDefined();
    }
    expect(ours[3]!.status?.code).toBe(2);
    expect(ours[3]!.attrs['error.type']).toBe('BadRequestError');
    expect(result.raw).not.toContain('SECRETSECRET');
  });

  it('clients with the SDK’s own spans (>= 0.137): those spans get joules, none duplicated', async () => {
    const result = await run('anthropic-app.mjs', ESM);
    expect(result.code, result.stderr).toBe(0);
    expect(result.spans.filter((s) => s.scope === 'openjoules')).toHaveLength(0);
    const native = result.spans.filter((s) => s.name === 'anthropic.messages.create');
    expect(native).toHaveLength(4);
    for (const span of native) expect(span.attrs['energy.joules']).toBeDefined();
    expect(native[1]!.attrs['gen_ai.response.time_to_first_chunk']).toBeGreaterThan(0);
    expect(native[1]!.attrs['energy.prefill.joules']).toBeDefined();
  });
});

describe('node --import openjoules/register, MCP client (ESM app)', () => {
  it('callTool becomes execute_tool; an isError result marks the span failed', async () => {
    const result = await run('mcp-app.mjs', ESM);
    expect(result.code, result.stderr).toBe(0);
    expect(result.seen).toEqual({ weather: 'Sunny in Paris', brokenIsError: true });
    const weather = result.spans.find((s) => s.name === 'execute_tool get_weather')!;
    expect(weather.attrs).toMatchObject({ 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.type': 'extension', 'mcp.method.name': 'tools/call' });
    expect(weather.attrs['energy.joules']).toBeDefined();
    expect('gen_ai.tool.call.arguments' in weather.attrs).toBe(false);
    const broken = result.spans.find((s) => s.name === 'execute_tool broken')!;
    expect(broken.status?.code).toBe(2);
    expect(broken.attrs['error.type']).toBe('tool_error');
  });
});

describe('node -r openjoules/register (CommonJS app)', () => {
  it('instruments require()d openai (streaming too), runTools tools and MCP tools', async () => {
    const result = await run('cjs-app.cjs', CJS);
    expect(result.code, result.stderr).toBe(0);
    expect(result.seen).toEqual({ text: 'Hello world', chunks: 4, runToolsContent: 'Hello world', weather: 'Sunny in Rome' });
    const names = result.spans.map((s) => s.name);
    expect(names).toEqual(['chat gpt-4o', 'chat gpt-4o-mini', 'chat gpt-4o', 'execute_tool get_weather', 'chat gpt-4o', 'execute_tool get_weather']);
    expect(result.spans[5]!.attrs['gen_ai.tool.type']).toBe('extension');
    const streamed = result.spans[1]!;
    expect(streamed.attrs['gen_ai.usage.output_tokens']).toBe(3);
    expect(streamed.attrs['gen_ai.response.time_to_first_chunk']).toBeGreaterThan(0);
    expect(result.spans[3]!.attrs).toMatchObject({ 'gen_ai.tool.type': 'function', 'gen_ai.tool.description': 'Weather of a city' });
    // require() cannot wait for the sampler: spans started before it is ready (the first ~100 ms) carry no joules.
    for (const span of result.spans.slice(-3)) expect(span.attrs['energy.joules']).toBeDefined();
  });
});
