// Generates agent spans as OTLP/JSON lines, shaped like the OpenTelemetry Collector's file exporter: one
// ExportTraceServiceRequest per line, 100–500 spans per line, int64 as decimal strings, spans of concurrent sessions
// interleaved. Every session has the same number of turns (traces), so the span count changes only the spans per
// turn: the rollup's state (per session, per trace) is then the same for 100 k and 1 M spans.
//
//   npx tsx bench/rollup/generate.ts [spans=1000000] [sessions=10000] [out=.cache/bench/rollup/spans-<n>.jsonl]
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const DAY_START_MS = Date.UTC(2026, 3, 24);
const TURNS_PER_SESSION = 5;
const CONCURRENT_SESSIONS = 64;

/** A tiny deterministic PRNG (mulberry32), so every run writes the same bytes. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = rng(42);
const hex = (digits: number): string => {
  let s = '';
  while (s.length < digits) s += Math.floor(random() * 0x100000000).toString(16).padStart(8, '0');
  return s.slice(0, digits);
};
const int = (lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1));
const nanos = (ms: number): string => `${Math.round(ms)}000000`;
const str = (key: string, value: string): string => `{"key":"${key}","value":{"stringValue":"${value}"}}`;
const num = (key: string, value: number): string => `{"key":"${key}","value":{"intValue":"${value}"}}`;
const dbl = (key: string, value: number): string => `{"key":"${key}","value":{"doubleValue":${value}}}`;
const bool = (key: string, value: boolean): string => `{"key":"${key}","value":{"boolValue":${value}}}`;

interface Session {
  id: string;
  user: string;
  clockMs: number;
  turnsLeft: number;
}

function span(traceId: string, spanId: string, parent: string | undefined, name: string, startMs: number, endMs: number, attrs: string[], extra = ''): string {
  const parentField = parent ? `"parentSpanId":"${parent}",` : '';
  return `{"traceId":"${traceId}","spanId":"${spanId}",${parentField}"flags":1,"name":"${name}","kind":${parent ? 3 : 1},` +
    `"startTimeUnixNano":"${nanos(startMs)}","endTimeUnixNano":"${nanos(endMs)}","attributes":[${attrs.join(',')}]${extra}}`;
}

function energy(joules: number, share: number): string[] {
  return [
    dbl('energy.joules', +joules.toFixed(3)),
    dbl('energy.gpu.joules', +(joules * 0.8).toFixed(3)),
    dbl('energy.cpu.joules', +(joules * 0.2).toFixed(3)),
    dbl('energy.attributed.joules', +(joules * share).toFixed(3)),
    str('energy.source', 'nvml,rapl'),
  ];
}

/** One turn: an invoke_agent root and `children` model and tool calls under it, as JSON span strings. */
function turn(session: Session, children: number): string[] {
  const traceId = hex(32);
  const rootId = hex(16);
  const out: string[] = [];
  const conv = str('gen_ai.conversation.id', session.id);
  const start = session.clockMs;
  let t = start + int(5, 50);
  for (let i = 0; i < children; i++) {
    const dur = int(200, 4000);
    const isTool = i % 2 === 1;
    const attrs = isTool
      ? [str('gen_ai.operation.name', 'execute_tool'), str('gen_ai.tool.name', 'bash'), str('gen_ai.tool.call.id', `call_${hex(12)}`), conv]
      : [
          str('gen_ai.operation.name', 'chat'), str('gen_ai.provider.name', 'anthropic'), str('gen_ai.request.model', 'claude-sonnet-4'),
          num('gen_ai.usage.input_tokens', int(500, 20000)), num('gen_ai.usage.output_tokens', int(20, 2000)),
          num('gen_ai.usage.cache_read.input_tokens', int(0, 15000)), dbl('openjoules.cost.usd', +(random() * 0.05).toFixed(6)), conv,
        ];
    attrs.push(...energy(dur * 0.3, 0.6));
    const status = isTool && random() < 0.05 ? ',"status":{"code":2,"message":"tool failed"}' : '';
    out.push(span(traceId, hex(16), rootId, isTool ? 'execute_tool bash' : 'chat claude-sonnet-4', t, t + dur, attrs, status));
    t += dur + int(5, 50);
  }
  const rootAttrs = [str('gen_ai.operation.name', 'invoke_agent'), str('gen_ai.agent.name', 'coder'), conv, str('user.id', session.user),
    num('openjoules.turn.index', TURNS_PER_SESSION - session.turnsLeft), bool('openjoules.turn.regenerated', random() < 0.03), ...energy((t - start) * 0.35, 0.7)];
  const feedback = random() < 0.1
    ? `,"events":[{"timeUnixNano":"${nanos(t)}","name":"openjoules.feedback","attributes":[${str('openjoules.feedback.rating', random() < 0.7 ? 'up' : 'down')}]}]`
    : '';
  const status = random() < 0.02 ? ',"status":{"code":2,"message":"agent error"}' : '';
  out.push(span(traceId, rootId, undefined, 'invoke_agent coder', start, t, rootAttrs, feedback + status));
  session.clockMs = t + int(2_000, 60_000);
  return out;
}

function line(spans: string[]): string {
  const resource = `{"attributes":[${str('service.name', 'agent')},${str('host.name', 'gpu-node-1')},${str('telemetry.sdk.name', 'opentelemetry')}]}`;
  return `{"resourceSpans":[{"resource":${resource},"scopeSpans":[{"scope":{"name":"openjoules","version":"0.1.0"},"spans":[${spans.join(',')}]}]}]}\n`;
}

async function main(): Promise<void> {
  const totalSpans = Number(process.argv[2] ?? 1_000_000);
  const totalSessions = Number(process.argv[3] ?? 10_000);
  const out = process.argv[4] ?? `.cache/bench/rollup/spans-${totalSpans}.jsonl`;
  const turns = totalSessions * TURNS_PER_SESSION;
  const spansPerTurn = Math.max(1, Math.round(totalSpans / turns));
  mkdirSync(dirname(out), { recursive: true });
  const file = createWriteStream(out);
  const write = (text: string): Promise<void> | void => (file.write(text) ? undefined : new Promise((r) => file.once('drain', () => r())));

  let started = 0;
  const active: Session[] = [];
  const spacingMs = 86_400_000 / totalSessions; // sessions start evenly over one UTC day
  const next = (): Session => ({ id: `conv-${started}`, user: `user-${started % 997}`, clockMs: DAY_START_MS + started++ * spacingMs, turnsLeft: TURNS_PER_SESSION });
  while (active.length < CONCURRENT_SESSIONS && started < totalSessions) active.push(next());

  let batch: string[] = [];
  let batchTarget = int(100, 500);
  let spans = 0;
  let bytes = 0;
  let lines = 0;
  while (active.length > 0) {
    const i = int(0, active.length - 1);
    const session = active[i]!;
    batch.push(...turn(session, spansPerTurn - 1));
    if (--session.turnsLeft === 0) {
      if (started < totalSessions) active[i] = next();
      else active.splice(i, 1);
    }
    if (batch.length >= batchTarget || active.length === 0) {
      const text = line(batch);
      spans += batch.length;
      bytes += Buffer.byteLength(text);
      lines++;
      await write(text);
      batch = [];
      batchTarget = int(100, 500);
    }
  }
  await new Promise<void>((resolve, reject) => file.end((error?: Error | null) => (error ? reject(error) : resolve())));
  const meta = { file: out, spans, sessions: totalSessions, turns, lines, bytes };
  writeFileSync(`${out}.meta.json`, JSON.stringify(meta));
  console.log(JSON.stringify(meta));
}

await main();
