/**
 * `npm run demo`: runs the example agent on the embedded default — spans with joules written as Collector-format
 * JSONL to OPENJOULES_OUT_DIR (default ./openjoules-out) — then prints joules per turn and per tool and the summary.
 *
 * Energy comes from the hardware found here (NVML, ROCm SMI, powermetrics, RAPL). Where there is none (a laptop VM,
 * CI) and OPENJOULES_ENERGY_SOURCES is not set, the demo falls back to the CPU estimate and says so: its spans carry
 * energy.method=estimate, never a measured-looking number.
 */
import { basename } from 'node:path';
import { energyConfigFromEnv, startOpenJoules, type OpenJoules } from 'openjoules';
import { formatSummaryTable, readSpanRecords, summarizeSpans, type SpanRecord } from 'openjoules/analysis';
import { runDemoAgent } from './agent.js';

async function start(): Promise<OpenJoules> {
  const options = { serviceName: 'openjoules-demo', scheduledDelayMillis: 200 } as const;
  const quiet = (): void => {};
  const openjoules = await startOpenJoules({ ...options, warn: process.env.OPENJOULES_ENERGY_SOURCES ? undefined : quiet });
  if (openjoules.sampler || process.env.OPENJOULES_ENERGY_SOURCES) return openjoules;
  await openjoules.shutdown();
  console.log('No hardware energy source here (no NVIDIA/AMD GPU, powermetrics or readable RAPL).');
  console.log('The demo uses the CPU estimate (TDP × utilization); spans say energy.method=estimate.\n');
  return startOpenJoules({ ...options, energy: { ...energyConfigFromEnv(), sources: ['estimate'] } });
}

function joules(value: unknown): string {
  return typeof value === 'number' ? value.toFixed(3).padStart(9) : '        –';
}

function printEnergyTable(spans: SpanRecord[]): void {
  const turns = spans.filter((s) => s.attributes['gen_ai.operation.name'] === 'invoke_agent').sort((a, b) => a.startMs - b.startMs);
  const byParent = new Map<string, SpanRecord[]>();
  for (const span of spans) {
    if (!span.parentSpanId) continue;
    const list = byParent.get(span.parentSpanId) ?? [];
    list.push(span);
    byParent.set(span.parentSpanId, list);
  }
  const descendants = (span: SpanRecord): SpanRecord[] =>
    (byParent.get(span.spanId) ?? []).sort((a, b) => a.startMs - b.startMs).flatMap((c) => [c, ...descendants(c)]);

  console.log('Joules per turn and per step (inclusive = everything drawn while it ran; attributed = its fair share)\n');
  console.log(`${'span'.padEnd(44)} ${'ms'.padStart(7)} ${'inclusive J'.padStart(12)} ${'attributed J'.padStart(13)}  status`);
  for (const turn of turns) {
    const line = (span: SpanRecord, indent: string): void => {
      const ms = (span.endMs - span.startMs).toFixed(1).padStart(7);
      const status = span.statusCode === 2 ? `error (${String(span.attributes['error.type'] ?? '')})` : 'ok';
      console.log(
        `${(indent + span.name).padEnd(44)} ${ms} ${joules(span.attributes['energy.joules']).padStart(12)} ${joules(span.attributes['energy.attributed.joules']).padStart(13)}  ${status}`,
      );
    };
    line(turn, '');
    for (const child of descendants(turn)) line(child, child.parentSpanId === turn.spanId ? '  ' : '    ');
  }
  const tools = new Map<string, { calls: number; joules: number }>();
  for (const span of spans) {
    const tool = span.attributes['gen_ai.tool.name'];
    const j = span.attributes['energy.attributed.joules'];
    if (typeof tool !== 'string') continue;
    const entry = tools.get(tool) ?? { calls: 0, joules: 0 };
    entry.calls++;
    if (typeof j === 'number') entry.joules += j;
    tools.set(tool, entry);
  }
  console.log('\nJoules per tool (attributed)');
  for (const [tool, { calls, joules: j }] of tools) console.log(`  ${tool.padEnd(20)} ${String(calls).padStart(3)} call(s) ${j.toFixed(3).padStart(10)} J`);
  const method = spans.find((s) => s.attributes['energy.method'])?.attributes['energy.method'];
  console.log(method ? `\nenergy.method = ${String(method)}, energy.source = ${String(spans.find((s) => s.attributes['energy.source'])?.attributes['energy.source'])}` : '\nNo energy attributes: no energy source was available.');
}

const openjoules = await start();
const result = await runDemoAgent();
await openjoules.shutdown();

console.log(`Agent answered ${result.answers.length} turns (conversation ${result.conversationId}); failed tools: ${result.failedTools.join(', ') || 'none'}.`);
console.log(`Spans went to: ${openjoules.targets.join(', ') || 'nowhere (OTEL_TRACES_EXPORTER=none)'}\n`);

if (openjoules.jsonlFile) {
  const spans: SpanRecord[] = [];
  for await (const span of readSpanRecords([openjoules.jsonlFile])) spans.push(span);
  printEnergyTable(spans);
  const { summary } = await summarizeSpans([openjoules.jsonlFile], {});
  console.log(`\nSummary of ${basename(openjoules.jsonlFile)} (openjoules summary --input ${openjoules.jsonlFile} --out summary.json)\n`);
  console.log(formatSummaryTable(summary));
}
