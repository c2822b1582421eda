// Runs summary, rollup, stats, report and export on the same span files, each through its own library entry point
// (what the CLI commands call), and reads back the totals each one shows a user.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportJsonl } from '../../src/analysis/export-data/jsonl.js';
import { readAllSpans } from '../../src/analysis/export-data/read-traces.js';
import { writeReport } from '../../src/analysis/report/write-report.js';
import { rollupSpans } from '../../src/analysis/rollup/rollup.js';
import { dayBucket, type RollupWindow } from '../../src/analysis/rollup/windows.js';
import { aggregateStats } from '../../src/analysis/stats/aggregate.js';
import { TelemetryStore } from '../../src/analysis/stats/store.js';
import { spansToTelemetryRecords } from '../../src/analysis/stats/telemetry-record.js';
import { spansToQueryTraces } from '../../src/analysis/summary/query-trace.js';
import { summarizeSpans } from '../../src/analysis/summary/summary.js';
import { makeQueryTrace, totalGpuEnergyJoules, totalInputTokens, totalOutputTokens, type QueryTrace } from '../../src/analysis/summary/trace.js';

/** What each command reports for the same inputs. `null` where the command has no such number. */
export interface CommandTotals {
  /** Joules of the whole run (GPU joules for summary and export, which only know GPU and CPU). */
  readonly runJoules: number | null;
  /** Joules of the model calls. */
  readonly callJoules: number | null;
  readonly llmCalls: number | null;
  readonly turns: number | null;
  readonly inputTokens: number | null;
  readonly outputTokens: number | null;
  /** Model calls carrying a hosted-API estimate, and the estimate's Σ low / high bounds (J), shown apart. */
  readonly remoteCalls: number | null;
  readonly remoteMinJoules: number | null;
  readonly remoteMaxJoules: number | null;
}

/** The totals of all five commands, keyed by command. */
export type AllTotals = Record<'summary' | 'rollup' | 'stats' | 'report' | 'export', CommandTotals>;

/** One UTC day bucket around `timeMs`. */
export function dayAround(timeMs: number): RollupWindow {
  return { granularity: 'day', buckets: [dayBucket(Math.floor(timeMs / 86_400_000) * 86_400_000)] };
}

/** Runs every command on `inputs` (files or directories), writing outputs under `outDir`. */
export async function runAllCommands(inputs: string[], outDir: string, window: RollupWindow): Promise<AllTotals> {
  const { summary } = await summarizeSpans(inputs, { strict: true });

  const rows = await rollupSpans(inputs, window, { strict: true });
  const sum = (pick: (r: (typeof rows)[number]) => number): number => rows.reduce((s, r) => s + pick(r), 0);

  const spans = await readAllSpans(inputs, { strict: true });
  const store = await TelemetryStore.open();
  store.ingest(spansToTelemetryRecords(spans));
  const stats = aggregateStats(store, { by: 'model' });
  const promptTokens = stats.groups.reduce((s, g) => s + g.prompt_tokens, 0);
  const completionTokens = stats.groups.reduce((s, g) => s + g.completion_tokens, 0);
  store.close();

  const reportPath = join(outDir, 'report.html');
  await writeReport(inputs, reportPath, { strict: true });
  const html = readFileSync(reportPath, 'utf8');
  const kpi = (name: string): number => Number(new RegExp(`data-kpi="${name}" data-value="([^"]*)"`).exec(html)![1]);
  const remoteCard = (name: string): number | null => {
    const found = new RegExp(`data-remote-${name}="([^"]*)"`).exec(html);
    return found === null ? null : Number(found[1]);
  };
  const remoteKpi = (name: string): number | null => (html.includes(`data-kpi="${name}"`) ? kpi(name) : null);
  // The report shows the estimate twice (its section's card, the KPI table's columns, rounded to the mJ): one number
  // when both agree, NaN (failing any comparison) when they differ or only one is there.
  const shownTwice = (card: number | null, column: number | null): number =>
    card === null && column === null ? 0 : card !== null && column !== null && Math.abs(card - column) <= 5e-4 ? card : NaN;
  const modelBars = html.slice(html.indexOf('data-kind="model"'), html.indexOf('</svg>', html.indexOf('data-kind="model"')));
  const barSum = (attr: string): number => [...modelBars.matchAll(new RegExp(`${attr}="([^"]*)"`, 'g'))].reduce((s, m) => s + Number(m[1]), 0);

  const exportPath = join(outDir, 'traces.jsonl');
  await exportJsonl(spansToQueryTraces(spans), exportPath);
  const exported: QueryTrace[] = readFileSync(exportPath, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => makeQueryTrace(JSON.parse(l) as QueryTrace));

  const remote = summary.remote_energy_estimate;
  // Neither stats (the seed's telemetry table) nor export (the seed's QueryTrace) has a place for the estimate.
  const noRemote = { remoteCalls: null, remoteMinJoules: null, remoteMaxJoules: null };
  return {
    summary: {
      runJoules: summary.totals.gpu_energy_joules,
      callJoules: null,
      llmCalls: null,
      turns: summary.totals.turns,
      inputTokens: summary.totals.input_tokens,
      outputTokens: summary.totals.output_tokens,
      remoteCalls: remote?.calls ?? 0,
      remoteMinJoules: remote?.min_joules ?? 0,
      remoteMaxJoules: remote?.max_joules ?? 0,
    },
    rollup: {
      runJoules: sum((r) => r.energy_joules),
      callJoules: null,
      llmCalls: sum((r) => r.llm_calls),
      turns: sum((r) => r.turns),
      inputTokens: sum((r) => r.tokens_prompt),
      outputTokens: sum((r) => r.tokens_completion),
      remoteCalls: null,
      remoteMinJoules: sum((r) => r.energy_remote_min_joules),
      remoteMaxJoules: sum((r) => r.energy_remote_max_joules),
    },
    stats: {
      runJoules: null,
      callJoules: stats.summary.total_energy_joules,
      llmCalls: stats.summary.total_calls,
      turns: null,
      inputTokens: promptTokens,
      outputTokens: completionTokens,
      ...noRemote,
    },
    report: {
      runJoules: Number(/data-total-joules="([^"]*)"/.exec(html)![1]),
      callJoules: barSum('data-joules'),
      llmCalls: barSum('data-calls'),
      turns: kpi('turns'),
      inputTokens: kpi('tokens_prompt'),
      outputTokens: kpi('tokens_completion'),
      remoteCalls: remoteCard('calls') ?? 0,
      remoteMinJoules: shownTwice(remoteCard('min-joules'), remoteKpi('energy_remote_min_joules')),
      remoteMaxJoules: shownTwice(remoteCard('max-joules'), remoteKpi('energy_remote_max_joules')),
    },
    export: {
      runJoules: exported.reduce((s, q) => s + (totalGpuEnergyJoules(q) ?? 0), 0),
      callJoules: null,
      llmCalls: null,
      turns: exported.reduce((s, q) => s + q.turns.length, 0),
      inputTokens: exported.reduce((s, q) => s + totalInputTokens(q), 0),
      outputTokens: exported.reduce((s, q) => s + totalOutputTokens(q), 0),
      ...noRemote,
    },
  };
}

/** Every non-null value of one field across the commands, by command (for one assertion with a readable diff). */
export function field(totals: AllTotals, key: keyof CommandTotals): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [command, t] of Object.entries(totals)) if (t[key] !== null) out[command] = t[key]!;
  return out;
}
