import { escapeHtml, formatCount, formatDuration, formatJoules, formatPercent, formatUsd, formatUtc } from './format.js';
import type { RunKpis } from './kpis.js';
import type { RunInfo } from './run-info.js';

/** The run's banner: service, time range, energy sources and methods (estimates flagged), devices. */
export function renderHeader(run: RunInfo, title: string, traceId: string | undefined): string {
  const methods = [...run.methods.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([m, n]) => `<span class="chip${m === 'estimate' ? ' est' : ''}" data-method="${escapeHtml(m)}" data-spans="${n}">method <b>${escapeHtml(m)}</b> × ${formatCount(n)}</span>`);
  const sources = run.sources.map((s) => `<span class="chip${s === 'estimate' ? ' est' : ''}" data-source="${escapeHtml(s)}">source <b>${escapeHtml(s)}</b></span>`);
  const devices = run.devices.map((d) => `<span class="chip" data-device="${escapeHtml(d)}">${escapeHtml(d)}</span>`);
  const missing = run.unavailable.map((u) => `<span class="chip">unavailable: ${escapeHtml(u)}</span>`);
  return (
    `<header class="run"><h1>${escapeHtml(title)}</h1>` +
    `<div class="sub"><span data-start="${formatUtc(run.startMs)}">${formatUtc(run.startMs)}</span> → <span data-end="${formatUtc(run.endMs)}">${formatUtc(run.endMs)}</span>` +
    ` (${escapeHtml(formatDuration(run.endMs - run.startMs))})${traceId === undefined ? '' : ` · trace <span class="mono">${escapeHtml(traceId)}</span>`}</div>` +
    `<div class="chips">${[...sources, ...methods, ...devices, ...missing].join('') || '<span class="chip">no energy source recorded</span>'}</div></header>`
  );
}

/** A warning when any energy is estimated rather than measured, and one when input was skipped. */
export function renderBanners(run: RunInfo, skipped: number): string {
  const out: string[] = [];
  if (run.estimatedSpans > 0) {
    const all = run.estimatedSpans === run.energySpans;
    out.push(
      `<div class="banner estimate" data-estimated-spans="${run.estimatedSpans}"><b>Estimated energy.</b> ` +
        `${all ? 'All' : `${formatCount(run.estimatedSpans)} of`} ${formatCount(run.energySpans)} spans with energy carry <code>energy.method = estimate</code>: ` +
        'joules modelled from a power rating and utilisation, not read from a hardware counter. Compare them with each other, not with measurements.</div>',
    );
  }
  if (run.energySpans === 0) out.push('<div class="banner estimate"><b>No energy recorded.</b> No span in this run carries measured <code>energy.*</code> attributes.</div>');
  if (skipped > 0) out.push(`<div class="banner issues" data-skipped="${skipped}"><b>${formatCount(skipped)} bad input ${skipped === 1 ? 'line or span was' : 'lines or spans were'} skipped</b> while reading; the command printed each as <code>file:line: reason</code>.</div>`);
  return out.join('');
}

/** Headline numbers: energy, turns, calls, tokens, cost and efficiency, summed over the KPI rows. */
export function renderCards(run: RunInfo, kpis: readonly RunKpis[]): string {
  const sum = (pick: (k: RunKpis) => number): number => kpis.reduce((s, k) => s + pick(k), 0);
  const energy = sum((k) => k.row.energy_joules);
  const turns = sum((k) => k.row.turns);
  const toolCalls = sum((k) => k.row.tool_calls);
  const toolOk = sum((k) => k.row.tool_success_rate * k.row.tool_calls);
  const completion = sum((k) => k.row.tokens_completion);
  const prompt = sum((k) => k.row.tokens_prompt);
  const cards: Array<[string, string, string]> = [
    ['energy', formatJoules(energy), 'energy (each joule once)'],
    ['joules-per-turn', turns > 0 ? formatJoules(energy / turns) : '—', 'joules per turn'],
    ['tokens-per-joule', energy > 0 ? (completion / energy).toFixed(2) : '—', 'output tokens per joule'],
    ['turns', formatCount(turns), 'turns'],
    ['llm-calls', formatCount(sum((k) => k.row.llm_calls)), 'LLM calls'],
    ['tool-calls', formatCount(toolCalls), `tool calls${toolCalls > 0 ? `, ${formatPercent(toolOk / toolCalls)} ok` : ''}`],
    ['tokens', formatCount(prompt + completion), `tokens (${formatCount(prompt)} in, ${formatCount(completion)} out)`],
    ['cost', formatUsd(sum((k) => k.row.cost_usd)), 'cost'],
    ['spans', formatCount(run.spans), `spans in ${formatCount(run.traces)} trace${run.traces === 1 ? '' : 's'}`],
    ['errors', formatCount(run.errors), 'spans with error status'],
  ];
  return `<div class="cards">${cards.map(([id, v, k]) => `<div class="card" data-card="${id}"><div class="v">${escapeHtml(v)}</div><div class="k">${escapeHtml(k)}</div></div>`).join('')}</div>`;
}
