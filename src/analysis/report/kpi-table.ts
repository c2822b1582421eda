import { KPI_COLUMNS, type KpiRow } from '../rollup/kpi-row.js';
import { escapeHtml, formatCount, formatDuration, formatJoules, formatPercent, formatUsd } from './format.js';
import type { RunKpis } from './kpis.js';

type Format = (value: number) => string;
const ratio: Format = formatPercent;
const joules: Format = formatJoules;
const count: Format = formatCount;
const seconds: Format = (s) => formatDuration(s * 1000);

/** How each KPI column reads in the table. */
const LABELS: Readonly<Partial<Record<keyof KpiRow, readonly [string, Format]>>> = {
  sessions: ['sessions', count],
  users: ['users', count],
  turns: ['turns', count],
  llm_calls: ['LLM calls', count],
  tokens_prompt: ['prompt tokens', count],
  tokens_completion: ['completion tokens', count],
  tokens_cache_read: ['cache-read tokens', count],
  tokens_cache_creation: ['cache-creation tokens', count],
  cost_usd: ['cost', formatUsd],
  cache_hit_ratio: ['cache hit ratio', ratio],
  tool_success_rate: ['tool success rate', ratio],
  failure_rate: ['failed sessions', ratio],
  regenerate_rate: ['regenerated sessions', ratio],
  time_to_first_action_s_p50: ['time to first action, p50', seconds],
  time_to_first_action_s_p95: ['time to first action, p95', seconds],
  thumbs_up: ['thumbs up', count],
  thumbs_down: ['thumbs down', count],
  spans: ['spans', count],
  tool_calls: ['tool calls', count],
  energy_joules: ['energy', joules],
  energy_gpu_joules: ['GPU energy', joules],
  energy_cpu_joules: ['CPU energy', joules],
  joules_per_turn: ['joules per turn', joules],
  output_tokens_per_joule: ['output tokens per joule', (v) => v.toFixed(4)],
  grid_intensity_g_per_kwh: ['grid intensity (gCO2e/kWh)', (v) => String(v)],
  co2e_g: ['CO2e (g)', (v) => v.toFixed(6)],
  energy_remote_min_joules: ['hosted-API estimate, low (not measured)', joules],
  energy_remote_max_joules: ['hosted-API estimate, high (not measured)', joules],
};

/** Columns shown only when some row has a value other than 0: the estimate appears where there is one. */
const ONLY_WHEN_SET: ReadonlySet<keyof KpiRow> = new Set<keyof KpiRow>(['energy_remote_min_joules', 'energy_remote_max_joules']);

/**
 * The rollup's KPI row(s) as a table: one value column per row (`run`, or one per UTC day). Every cell carries the
 * raw value in `data-kpi` / `data-value`; empty (null) columns are left out, and so are the hosted-API estimate's
 * columns when no call carried one.
 */
export function renderKpiTable(kpis: readonly RunKpis[]): string {
  if (kpis.length === 0) return '<p class="empty">No spans, so no KPIs.</p>';
  const columns = KPI_COLUMNS.filter((c) => c.name !== 'bucket' && kpis.some((k) => k.row[c.name] !== null && (!ONLY_WHEN_SET.has(c.name) || k.row[c.name] !== 0)));
  const half = Math.ceil(columns.length / 2);
  const table = (cols: typeof columns): string => {
    const head = `<tr><th>KPI</th>${kpis.map((k) => `<th class="num">${escapeHtml(k.label)}</th>`).join('')}</tr>`;
    const body = cols
      .map((c) => {
        const [label, format] = LABELS[c.name] ?? [c.name, String];
        const cells = kpis
          .map((k) => {
            const value = k.row[c.name];
            return `<td class="num" data-kpi="${c.name}" data-value="${value ?? ''}">${typeof value === 'number' ? escapeHtml(format(value)) : '—'}</td>`;
          })
          .join('');
        return `<tr><td>${escapeHtml(label)} <code class="col">${c.name}</code></td>${cells}</tr>`;
      })
      .join('');
    return `<table>${head}${body}</table>`;
  };
  return `<div class="kpis">${table(columns.slice(0, half))}${table(columns.slice(half))}</div>`;
}
