import type { GroupStats, StatsReport } from './aggregate.js';

/** A number for the table: '-' for null, at most 4 significant digits below 1000, thousands as integers. */
function fmt(v: number | null | undefined, digits = 4): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '-';
  if (v === 0) return '0';
  if (Math.abs(v) >= 1000) return Math.round(v).toString();
  return Number(v.toPrecision(digits)).toString();
}

const COLUMNS: ReadonlyArray<readonly [header: string, cell: (g: GroupStats) => string]> = [
  ['calls', (g) => String(g.call_count)],
  ['in tok', (g) => String(g.prompt_tokens)],
  ['out tok', (g) => String(g.completion_tokens)],
  ['lat s', (g) => fmt(g.avg_latency)],
  ['p95 s', (g) => fmt(g.latency_p95)],
  ['TTFT s', (g) => fmt(g.avg_ttft)],
  ['ITL ms', (g) => fmt(g.avg_mean_itl_ms)],
  ['ITL p95', (g) => fmt(g.avg_p95_itl_ms)],
  ['tok/s', (g) => fmt(g.avg_throughput_tok_per_sec)],
  ['energy J', (g) => fmt(g.total_energy_joules)],
  ['J/out tok', (g) => fmt(g.avg_energy_per_output_token_joules)],
  ['tok/J', (g) => fmt(g.avg_tokens_per_joule)],
  ['tok/s/W', (g) => fmt(g.avg_throughput_per_watt)],
  ['prefill J', (g) => fmt(g.total_prefill_energy_joules)],
  ['decode J', (g) => fmt(g.total_decode_energy_joules)],
  ['MFU %', (g) => fmt(g.efficiency.mfu_pct, 3)],
  ['MBU %', (g) => fmt(g.efficiency.mbu_pct, 3)],
  ['IPJ', (g) => fmt(g.efficiency.ipj, 3)],
];

/** The report as a terminal table: one row per group, then steady state, efficiency notes and the summary. */
export function formatStatsTable(report: StatsReport, storePath: string): string {
  const head = [report.by, ...COLUMNS.map(([h]) => h)];
  const body = report.groups.map((g) => [g.key === '' ? '(none)' : g.key, ...COLUMNS.map(([, cell]) => cell(g))]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  const out: string[] = [line(head), ...body.map(line)];
  if (report.groups.length === 0) out.push('(no calls)');
  out.push('');
  for (const g of report.groups) {
    const name = g.key === '' ? '(none)' : g.key;
    const s = g.steady_state;
    const steady = s.steady_state_reached
      ? `steady from call ${s.reached_at_call} (${fmt(s.steady_avg_throughput_tok_per_sec)} tok/s after ${s.warmup_samples} warmup)`
      : `not steady (${s.total_samples} calls)`;
    const e = g.efficiency;
    const eff = e.reason !== undefined ? `MFU/MBU: ${e.reason}` : `${e.gpu} ×${e.num_gpus} as ${e.gpu_spec}, ${e.params_b}B params`;
    const itl =
      g.itl_chunk_calls > 0 || g.itl_estimate_calls > 0
        ? `ITL: ${g.itl_chunk_calls} call(s) with chunk times, ${g.itl_estimate_calls} estimated`
        : 'ITL: no streamed calls';
    out.push(`${name}: ${steady}; ${eff}; ${itl}`);
  }
  const sum = report.summary;
  out.push(
    '',
    `total: ${sum.total_calls} calls, ${sum.total_tokens} tokens, ${fmt(sum.total_energy_joules)} J, ${fmt(sum.total_latency)} s, $${fmt(sum.total_cost)}` +
      (report.warmup !== null ? `; ${report.warmup_excluded} warmup call(s) left out` : ''),
    `store: ${storePath}` + timeFilter(report),
  );
  return out.join('\n');
}

/** `; calls from … to …` when --since or --until narrowed the calls. */
function timeFilter(report: StatsReport): string {
  if (report.since === null && report.until === null) return '';
  const iso = (s: number | null): string => (s === null ? 'any time' : new Date(s * 1000).toISOString());
  return `; calls started from ${iso(report.since)} to ${iso(report.until)}`;
}
