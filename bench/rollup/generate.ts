// Generates ONE agent workload written two ways, for the side-by-side bench (throughput.ts):
//  - spans.jsonl: openjoules spans as OTLP/JSON lines, shaped like the OpenTelemetry Collector's file exporter (one
//    ExportTraceServiceRequest per line, 100–500 spans per line, int64 as decimal strings, spans of concurrent
//    sessions interleaved, each trace's root after its children as exporters write them);
//  - sessions.jsonl: the same activity as the seed's session rows (ml-intern's uploader: one row per session with
//    `messages`, `events` and `tools` as JSON strings), one row per line.
// A turn is an invoke_agent span / a user message; a model call a chat span / an `llm_call` event; a tool call an
// execute_tool span / a `tool_call` + `tool_output` pair; feedback, a failed turn and a regenerated turn a span
// event, status and flag / `feedback`, `error`, `undo_complete` events. Sessions start evenly over one UTC day and
// have 1–6 turns of 2–8 calls each (about 21 spans a session).
//
//   npx tsx bench/rollup/generate.ts [sessions=20000] [dir=.cache/bench/rollup/s<sessions>]
import { createWriteStream, mkdirSync, writeFileSync, type WriteStream } from 'node:fs';

export const DAY_START_MS = Date.UTC(2026, 3, 24);
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

let random = rng(42);
const hex = (digits: number): string => {
  let s = '';
  while (s.length < digits) s += Math.floor(random() * 0x100000000).toString(16).padStart(8, '0');
  return s.slice(0, digits);
};
const int = (lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1));
const nanos = (ms: number): string => `${Math.round(ms)}000000`;
/** The seed's timestamps: `datetime.now().astimezone().isoformat()`, microseconds and an offset. */
const iso = (ms: number): string => new Date(Math.round(ms)).toISOString().replace('Z', '000+00:00');
const str = (key: string, value: string): string => `{"key":"${key}","value":{"stringValue":"${value}"}}`;
const num = (key: string, value: number): string => `{"key":"${key}","value":{"intValue":"${value}"}}`;
const dbl = (key: string, value: number): string => `{"key":"${key}","value":{"doubleValue":${value}}}`;
const bool = (key: string, value: boolean): string => `{"key":"${key}","value":{"boolValue":${value}}}`;

interface SeedEvent {
  timestamp: string;
  event_type: string;
  data: Record<string, unknown> | null;
}

interface Session {
  id: string;
  user: string;
  startMs: number;
  clockMs: number;
  turnsLeft: number;
  turnIndex: number;
  costUsd: number;
  messages: Array<{ role: string; content: string }>;
  events: SeedEvent[];
}

/** What the workload holds, for the bench's same-workload check and per-event rates. */
export interface WorkloadMeta {
  sessions: number;
  turns: number;
  llmCalls: number;
  toolCalls: number;
  feedback: number;
  spans: number;
  /** Logical events: turns + model calls + tool calls + feedback (the same count both ways). */
  logicalEvents: number;
  spanBytes: number;
  rowBytes: number;
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

/** One turn both ways: an invoke_agent root after its model and tool calls (span strings), and the seed's events. */
function turn(session: Session, meta: WorkloadMeta): string[] {
  const traceId = hex(32);
  const rootId = hex(16);
  const out: string[] = [];
  const conv = str('gen_ai.conversation.id', session.id);
  const start = session.clockMs;
  session.messages.push({ role: 'user', content: `please fix the failing test in module ${session.turnIndex}` });
  let t = start + int(5, 50);
  const children = int(2, 8);
  for (let i = 0; i < children; i++) {
    const dur = int(200, 4000);
    const isTool = i % 2 === 1;
    let attrs: string[];
    let status = '';
    if (isTool) {
      const callId = `call_${hex(12)}`;
      const failed = random() < 0.05;
      attrs = [str('gen_ai.operation.name', 'execute_tool'), str('gen_ai.tool.name', 'bash'), str('gen_ai.tool.call.id', callId), conv];
      if (failed) status = ',"status":{"code":2,"message":"tool failed"}';
      session.events.push({ timestamp: iso(t), event_type: 'tool_call', data: { tool: 'bash', arguments: { command: 'npm test' }, tool_call_id: callId } });
      session.events.push({ timestamp: iso(t + dur), event_type: 'tool_output', data: { tool: 'bash', tool_call_id: callId, output: failed ? 'exit 1' : 'ok', success: !failed } });
      meta.toolCalls++;
    } else {
      const input = int(500, 20000);
      const output = int(20, 2000);
      const cacheRead = int(0, 15000);
      const cost = +(random() * 0.05).toFixed(6);
      attrs = [
        str('gen_ai.operation.name', 'chat'), str('gen_ai.provider.name', 'anthropic'), str('gen_ai.request.model', 'claude-sonnet-4'),
        num('gen_ai.usage.input_tokens', input), num('gen_ai.usage.output_tokens', output),
        num('gen_ai.usage.cache_read.input_tokens', cacheRead), dbl('openjoules.cost.usd', cost), conv,
      ];
      session.events.push({ timestamp: iso(t + dur), event_type: 'llm_call', data: {
        model: 'anthropic/claude-sonnet-4', latency_ms: dur, finish_reason: 'stop', cost_usd: cost, kind: 'main',
        prompt_tokens: input, completion_tokens: output, total_tokens: input + output, cache_read_tokens: cacheRead, cache_creation_tokens: 0 } });
      session.costUsd += cost;
      meta.llmCalls++;
    }
    attrs.push(...energy(dur * 0.3, 0.6));
    out.push(span(traceId, hex(16), rootId, isTool ? 'execute_tool bash' : 'chat claude-sonnet-4', t, t + dur, attrs, status));
    t += dur + int(5, 50);
  }
  const regenerated = random() < 0.03;
  const rootAttrs = [str('gen_ai.operation.name', 'invoke_agent'), str('gen_ai.agent.name', 'coder'), conv, str('user.id', session.user),
    num('openjoules.turn.index', session.turnIndex), bool('openjoules.turn.regenerated', regenerated), ...energy((t - start) * 0.35, 0.7)];
  session.messages.push({ role: 'assistant', content: 'done: the test passes now' });
  let extra = '';
  if (random() < 0.1) {
    const rating = random() < 0.7 ? 'up' : 'down';
    extra += `,"events":[{"timeUnixNano":"${nanos(t)}","name":"openjoules.feedback","attributes":[${str('openjoules.feedback.rating', rating)}]}]`;
    session.events.push({ timestamp: iso(t), event_type: 'feedback', data: { rating, turn_index: session.turnIndex, message_id: hex(8), comment: '' } });
    meta.feedback++;
  }
  if (random() < 0.02) {
    extra += ',"status":{"code":2,"message":"agent error"}';
    session.events.push({ timestamp: iso(t), event_type: 'error', data: { error: 'agent error' } });
  }
  if (regenerated) session.events.push({ timestamp: iso(t), event_type: 'undo_complete', data: null });
  session.events.push({ timestamp: iso(t), event_type: 'turn_complete', data: { history_size: session.messages.length, final_response: null } });
  out.push(span(traceId, rootId, undefined, 'invoke_agent coder', start, t, rootAttrs, extra));
  meta.turns++;
  session.turnIndex++;
  session.clockMs = t + int(2_000, 60_000);
  return out;
}

/** The seed uploader's row: scalar fields, and `messages` / `events` / `tools` as JSON strings. */
function row(session: Session): string {
  return `${JSON.stringify({
    session_id: session.id,
    user_id: session.user,
    session_start_time: iso(session.startMs),
    session_end_time: iso(session.clockMs).replace('+00:00', ''),
    model_name: 'anthropic/claude-sonnet-4',
    total_cost_usd: session.costUsd,
    messages: JSON.stringify(session.messages),
    events: JSON.stringify(session.events),
    tools: JSON.stringify([{ name: 'bash' }]),
  })}\n`;
}

function line(spans: string[]): string {
  const resource = `{"attributes":[${str('service.name', 'agent')},${str('host.name', 'gpu-node-1')},${str('telemetry.sdk.name', 'opentelemetry')}]}`;
  return `{"resourceSpans":[{"resource":${resource},"scopeSpans":[{"scope":{"name":"openjoules","version":"0.1.0"},"spans":[${spans.join(',')}]}]}]}\n`;
}

async function write(file: WriteStream, text: string): Promise<void> {
  if (!file.write(text)) await new Promise<void>((r) => file.once('drain', () => r()));
}

async function close(file: WriteStream): Promise<void> {
  await new Promise<void>((resolve, reject) => file.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

/** Writes `<dir>/spans.jsonl`, `<dir>/sessions.jsonl` and `<dir>/meta.json` for `totalSessions` sessions. */
export async function generateWorkload(totalSessions: number, dir: string): Promise<WorkloadMeta> {
  random = rng(42);
  mkdirSync(dir, { recursive: true });
  const spansFile = createWriteStream(`${dir}/spans.jsonl`);
  const rowsFile = createWriteStream(`${dir}/sessions.jsonl`);
  const meta: WorkloadMeta = { sessions: totalSessions, turns: 0, llmCalls: 0, toolCalls: 0, feedback: 0, spans: 0, logicalEvents: 0, spanBytes: 0, rowBytes: 0 };

  let started = 0;
  const active: Session[] = [];
  const spacingMs = 86_400_000 / totalSessions;
  const next = (): Session => {
    const startMs = DAY_START_MS + started * spacingMs;
    const id = `sess-${started}`;
    const user = `user-${started % 997}`;
    started++;
    return { id, user, startMs, clockMs: startMs, turnsLeft: int(1, 6), turnIndex: 0, costUsd: 0, messages: [], events: [] };
  };
  while (active.length < CONCURRENT_SESSIONS && started < totalSessions) active.push(next());

  let batch: string[] = [];
  let batchTarget = int(100, 500);
  while (active.length > 0) {
    const i = int(0, active.length - 1);
    const session = active[i]!;
    batch.push(...turn(session, meta));
    if (--session.turnsLeft === 0) {
      const text = row(session);
      meta.rowBytes += Buffer.byteLength(text);
      await write(rowsFile, text);
      if (started < totalSessions) active[i] = next();
      else active.splice(i, 1);
    }
    if (batch.length >= batchTarget || active.length === 0) {
      const text = line(batch);
      meta.spans += batch.length;
      meta.spanBytes += Buffer.byteLength(text);
      await write(spansFile, text);
      batch = [];
      batchTarget = int(100, 500);
    }
  }
  await close(spansFile);
  await close(rowsFile);
  meta.logicalEvents = meta.turns + meta.llmCalls + meta.toolCalls + meta.feedback;
  writeFileSync(`${dir}/meta.json`, JSON.stringify(meta));
  return meta;
}

if (process.argv[1]?.endsWith('generate.ts')) {
  const sessions = Number(process.argv[2] ?? 20_000);
  const dir = process.argv[3] ?? `.cache/bench/rollup/s${sessions}`;
  console.log(JSON.stringify(await generateWorkload(sessions, dir)));
}
