import type { AggStats } from './stats.js';
import type { Summary, SummaryStatistics } from './summary.js';

/** Rows of the statistics table: the summary key, and the label with its unit. */
const ROWS: ReadonlyArray<readonly [keyof SummaryStatistics, string]> = [
  ['wall_clock_s', 'wall clock (s)'],
  ['gpu_energy_joules', 'GPU energy (J)'],
  ['cpu_energy_joules', 'CPU energy (J)'],
  ['gpu_power_watts', 'GPU power (W)'],
  ['cpu_power_watts', 'CPU power (W)'],
  ['energy_per_token_joules', 'GPU J / output token'],
  ['input_tokens', 'input tokens'],
  ['output_tokens', 'output tokens'],
  ['total_tokens', 'total tokens'],
  ['throughput_tokens_per_sec', 'output tokens / s'],
  ['cost_usd', 'cost (USD)'],
  ['turns', 'turns'],
  ['tool_calls', 'tool calls'],
  ['mbu_avg_pct', 'mem. bandwidth (%)'],
];

const COLUMNS = ['avg', 'median', 'min', 'max', 'std'] as const;

/** A number for people: 4 significant digits, no exponent below 1e9, `-` for null. */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '-';
  if (Number.isInteger(value) && Math.abs(value) < 1e9) return String(value);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e9)) return value.toExponential(3);
  return String(Number(value.toPrecision(4)));
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd()).join('\n');
}

/**
 * The summary as plain text for a terminal: totals and efficiency first (the hosted-API estimate on a line of its
 * own, when there is one), then one row per metric with the per-query avg / median / min / max / std. Metrics no query reported are left out. No colours, so it is safe to
 * log or paste.
 */
export function formatSummaryTable(summary: Summary): string {
  const t = summary.totals;
  const e = summary.efficiency;
  const lines: string[] = [];
  lines.push(
    `${plural(t.queries, 'query', 'queries')} (${t.completed} completed), ${plural(t.turns, 'turn')}, ${plural(t.tool_calls, 'tool call')}, ` +
      `${t.input_tokens} input + ${t.output_tokens} output tokens, ${formatNumber(t.wall_clock_s)} s`,
  );
  const energy: string[] = [];
  if (t.gpu_energy_joules !== null) energy.push(`GPU ${formatNumber(t.gpu_energy_joules)} J`);
  if (t.cpu_energy_joules !== null) energy.push(`CPU ${formatNumber(t.cpu_energy_joules)} J`);
  lines.push(`energy: ${energy.length > 0 ? energy.join(', ') : 'not measured'}${t.cost_usd !== null ? `; cost $${formatNumber(t.cost_usd)}` : ''}`);
  const remote = summary.remote_energy_estimate;
  if (remote !== undefined) {
    lines.push(
      `hosted-API estimate (not measured, not in the energy above): ${formatNumber(remote.joules)} J ` +
        `(${formatNumber(remote.min_joules)}–${formatNumber(remote.max_joules)} J) over ${plural(remote.calls, 'call')}, method ${remote.methods.join(', ') || 'unknown'}`,
    );
  }
  if (e.accuracy !== null) {
    lines.push(
      `accuracy ${formatNumber(e.accuracy)} (${t.resolved}/${t.resolved + t.unresolved} resolved), ` +
        `IPJ ${formatNumber(e.ipj)} /J, IPW ${formatNumber(e.ipw)} /W`,
    );
  }
  const rows: string[][] = [['per query', ...COLUMNS]];
  for (const [key, label] of ROWS) {
    const stats: AggStats = summary.statistics[key];
    if (stats.avg === null) continue;
    rows.push([label, ...COLUMNS.map((c) => formatNumber(stats[c]))]);
  }
  if (rows.length > 1) lines.push('', table(rows));
  const removed = summary.normalized_statistics?._outliers_removed;
  if (removed) {
    const n = summary.normalized_statistics!;
    lines.push(
      '',
      `trimmed 5% fastest and slowest (${removed.queries_after} of ${removed.queries_before} queries): ` +
        `wall clock avg ${formatNumber(n.wall_clock_s.avg)} s, GPU energy avg ${formatNumber(n.gpu_energy_joules.avg)} J`,
    );
  }
  return lines.join('\n');
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
