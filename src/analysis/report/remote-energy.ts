import { addRemoteEstimate, emptyRemoteTotals, type RemoteEnergyTotals } from '../model/remote-totals.js';
import { analyzeSpans } from '../model/span-set.js';
import type { SpanRecord } from '../otlp/span-record.js';
import { escapeHtml, formatCount, formatJoules } from './format.js';

/** The hosted-API estimate of one model's calls over the run. */
interface RemoteGroup {
  readonly model: string;
  readonly totals: RemoteEnergyTotals;
  outputTokens: number;
  /** `energy.remote.source` values (the parameter table and row). */
  readonly sources: Set<string>;
}

/**
 * The report's hosted-API section: the estimate of the provider's energy for model calls that carry
 * `energy.remote.*` (each call once), in total and per model, with its low–high range, method and parameter source.
 * Empty when no call carries one. Never mixed with the measured joules of the rest of the page.
 */
export function renderRemoteEnergy(spans: readonly SpanRecord[]): string {
  const total = emptyRemoteTotals();
  const groups = new Map<string, RemoteGroup>();
  for (const call of analyzeSpans(spans).units.model) {
    const remote = call.remoteEnergy;
    if (remote === undefined) continue;
    addRemoteEstimate(total, call);
    const model = call.responseModel ?? call.requestModel ?? '(unknown model)';
    let group = groups.get(model);
    if (group === undefined) {
      group = { model, totals: emptyRemoteTotals(), outputTokens: 0, sources: new Set() };
      groups.set(model, group);
    }
    addRemoteEstimate(group.totals, call);
    group.outputTokens += call.usage.outputTokens ?? 0;
    if (remote.source !== undefined) group.sources.add(remote.source);
  }
  if (total.calls === 0) return '';
  const range = (t: RemoteEnergyTotals): string => `${formatJoules(t.minJoules)} – ${formatJoules(t.maxJoules)}`;
  const rows = [...groups.values()]
    .sort((a, b) => b.totals.joules - a.totals.joules || a.model.localeCompare(b.model))
    .map(
      (g) =>
        `<tr data-remote-model="${escapeHtml(g.model)}"><td>${escapeHtml(g.model)}</td><td class="num">${formatCount(g.totals.calls)}</td>` +
        `<td class="num">${formatCount(g.outputTokens)}</td><td class="num" data-joules="${g.totals.joules}">${escapeHtml(formatJoules(g.totals.joules))}</td>` +
        `<td class="num">${escapeHtml(range(g.totals))}</td><td>${[...g.sources].sort().map((s) => `<code>${escapeHtml(s)}</code>`).join(' ')}</td></tr>`,
    )
    .join('');
  return (
    '<section id="remote-energy"><h2>Hosted-API energy (estimate, not measured)</h2>' +
    '<p class="note">Model calls served by a hosted API (OpenAI, Anthropic, Gemini…) ran on the provider’s servers, which no device here measured. ' +
    'Their energy is <b>estimated</b> from the model’s parameters, the output tokens and the call’s latency (<code>energy.remote.*</code>, ' +
    'each call once), with a low–high range. It is not in the energy, power, per-tool, per-model or KPI energy figures of this page; ' +
    'the KPI table shows it apart as <code>energy_remote_min_joules</code> / <code>energy_remote_max_joules</code>.</p>' +
    `<div class="cards"><div class="card est" data-card="remote-energy" data-remote-calls="${total.calls}" data-remote-joules="${total.joules}" ` +
    `data-remote-min-joules="${total.minJoules}" data-remote-max-joules="${total.maxJoules}">` +
    `<div class="v">≈ ${escapeHtml(formatJoules(total.joules))}</div><div class="k">estimated, ${escapeHtml(range(total))} over ${formatCount(total.calls)} hosted call${total.calls === 1 ? '' : 's'}` +
    ` · method ${total.methods.map((m) => `<code>${escapeHtml(m)}</code>`).join(', ') || 'unknown'}</div></div></div>` +
    '<table><tr><th>model</th><th class="num">calls</th><th class="num">output tokens</th><th class="num">estimate</th><th class="num">range</th><th>parameters from</th></tr>' +
    `${rows}</table></section>`
  );
}
