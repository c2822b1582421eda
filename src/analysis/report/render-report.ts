import type { ReadIssue, SpanRecord } from '../otlp/span-record.js';
import { energyByModel, energyByTool } from './breakdown.js';
import { renderBarChart } from './charts/bar-chart.js';
import { renderPowerChart, renderPowerLegend } from './charts/power-chart.js';
import { renderJouleLegend, renderTimeline } from './charts/timeline-chart.js';
import { JouleColorScale } from './color-scale.js';
import { escapeHtml, formatCount, formatDuration, formatJoules, formatUtc } from './format.js';
import { renderBanners, renderCards, renderHeader } from './header.js';
import { renderKpiTable } from './kpi-table.js';
import { runKpis } from './kpis.js';
import { REPORT_CSS, REPORT_SCRIPT } from './page-assets.js';
import { renderRemoteEnergy } from './remote-energy.js';
import { derivePowerSeries } from './power-series.js';
import { describeRun } from './run-info.js';
import { spanJoules } from './span-energy.js';
import { layoutTimeline } from './timeline-layout.js';
import { renderTopSpans } from './top-spans.js';

/** Options of {@link renderReport}. */
export interface RenderReportOptions {
  /** Page title; default `openjoules report · <service names>`. */
  readonly title?: string;
  /** The trace the spans were filtered to, named in the header. */
  readonly traceId?: string;
  /** Bad input lines or spans skipped while reading, shown as a warning. */
  readonly skipped?: number;
  /** Spans the KPI table leaves out because the rollup's schema rejects them. */
  readonly onIssue?: (issue: ReadIssue) => void;
  /** Most spans drawn on the timeline (whole traces beyond it are left out and counted); default 4000. */
  readonly maxTimelineSpans?: number;
  /** Time written in the footer (epoch ms); default now. Fix it for reproducible output. */
  readonly generatedAtMs?: number;
}

/**
 * One self-contained HTML page for a run: header, a flame chart coloured by joules, derived power over time,
 * energy by tool and by model, the hosted-API estimate apart (when a call carries one), the rollup's KPI row and the
 * costliest spans. Inline CSS, SVG and script only; every
 * span-supplied string is escaped.
 */
export function renderReport(spans: readonly SpanRecord[], options: RenderReportOptions = {}): string {
  const run = describeRun(spans);
  const title = options.title ?? `openjoules report · ${run.services.length > 0 ? run.services.join(', ') : 'unnamed service'}`;
  const kpis = runKpis(spans, options.onIssue);
  const layout = layoutTimeline(spans, options.maxTimelineSpans);
  const scale = new JouleColorScale(layout.bars.map((b) => spanJoules(b.span) ?? 0));
  const power = derivePowerSeries(spans);
  const tools = energyByTool(spans);
  const models = energyByModel(spans);
  const omitted =
    layout.omittedTraces > 0
      ? `<p class="note"><b>${formatCount(layout.omittedTraces)} later trace(s) (${formatCount(layout.omittedSpans)} spans) are not drawn</b> to keep the page light; pick one with <code>--trace</code>.</p>`
      : '';
  const body = [
    renderHeader(run, title, options.traceId),
    renderBanners(run, options.skipped ?? 0),
    renderCards(run, kpis),
    '<section id="timeline"><h2>Timeline</h2>',
    '<p class="note">Every span as a bar from its start to its end, children under their parents; traces that do not overlap in time share a band. ' +
      'Colour is the span’s <code>energy.attributed.joules</code> (its fair share of the devices’ energy; <code>energy.joules</code> where there is none). ' +
      'A parent’s joules include its children’s. Hover a bar for its numbers.</p>',
    renderJouleLegend(scale),
    spans.length === 0 ? '<p class="empty">No spans.</p>' : renderTimeline(layout, scale),
    omitted,
    '</section>',
    '<section id="power"><h2>Power over time (derived from spans)</h2>',
    `<p class="note">Spans carry no raw power samples, so this is derived: the fair share of each span that makes up the run’s energy ` +
      `(the outermost spans carrying energy in each process), split by device class ` +
      `(<code>energy.gpu/cpu/dram.joules</code> scaled to its attributed share), is spread evenly over the span and summed per ` +
      `${escapeHtml(formatDuration(power.binMs))} bin; watts = joules ÷ bin width. The area is ${escapeHtml(formatJoules(power.totalJoules))}. ` +
      'Gaps read 0 W because nothing was traced there, not because the devices were idle. The dashed line is each of those spans’ own ' +
      '<code>energy.mean.watts</code>: the devices’ whole draw over the span, concurrent work included.' +
      `${run.devices.length > 0 ? ` Devices: ${run.devices.map((d) => `<code>${escapeHtml(d)}</code>`).join(', ')}.` : ''}</p>`,
    renderPowerLegend(power),
    renderPowerChart(power, run.startMs),
    '</section>',
    '<div class="grid2">',
    '<section id="by-tool"><h2>Energy by tool</h2><p class="note">Σ fair-share joules of tool calls per tool name (ours, the GenAI conventions’ and peers’ tool spans; nested spans of one call count once); a model call made inside a tool counts here and under its model.</p>',
    renderBarChart(tools, 'tool', '#0891b2'),
    '</section>',
    '<section id="by-model"><h2>Energy by model</h2><p class="note">Σ fair-share joules of model calls (chat, text_completion, generate_content, and peers’ LLM spans; a wrapper around a provider’s span is one call) per requested model.</p>',
    renderBarChart(models, 'model', '#7c3aed'),
    '</section>',
    '</div>',
    renderRemoteEnergy(spans),
    '<section id="kpis"><h2>KPIs</h2><p class="note">The <code>openjoules rollup</code> KPI row over the whole run (one column per UTC day for runs longer than a day). ' +
      'Energy is the fair shares of the outermost spans carrying energy in each process, so nested or concurrent work is never counted twice; ' +
      'the hosted-API estimate has its own columns (<code>energy_remote_*</code>) and is in no other.</p>',
    renderKpiTable(kpis),
    '</section>',
    '<section id="top-spans"><h2>Costliest spans</h2>',
    renderTopSpans(spans, scale),
    '</section>',
    `<footer>Generated by openjoules on ${formatUtc(options.generatedAtMs ?? Date.now())} · ${formatCount(run.spans)} spans · one self-contained file, no network needed.</footer>`,
  ].join('\n');
  return (
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<title>${escapeHtml(title)}</title><style>${REPORT_CSS}</style></head>\n<body><main>\n${body}\n</main><div id="oj-tip" hidden></div>` +
    `<script>${REPORT_SCRIPT}</script></body></html>\n`
  );
}
