import { escapeHtml, formatDuration, formatJoules, formatWatts } from '../format.js';
import type { PowerSeries } from '../power-series.js';
import type { ComponentKey } from '../span-energy.js';
import { anchorAt, niceTicks, offsetFormatter, px, timeTicks, trim } from './axis.js';

const WIDTH = 1120;
const HEIGHT = 280;
const LEFT = 64;
const RIGHT = 16;
const TOP = 14;
const BOTTOM = 30;

/** Fill per device class. */
export const COMPONENT_COLORS: Readonly<Record<ComponentKey, string>> = {
  gpu: '#7c3aed',
  cpu: '#0891b2',
  dram: '#10b981',
  ane: '#f59e0b',
  other: '#94a3b8',
};

/**
 * Stacked step areas of derived watts per device class, with the top spans' own `energy.mean.watts` as a dashed
 * line. Each bin has an invisible hover target carrying its numbers.
 */
export function renderPowerChart(series: PowerSeries, runStartMs: number): string {
  const count = series.components[0]?.watts.length ?? 0;
  if (count === 0) return '<p class="empty">No span carries energy, so there is no power to show.</p>';
  const plotW = WIDTH - LEFT - RIGHT;
  const plotH = HEIGHT - TOP - BOTTOM;
  const yTicks = niceTicks(series.peakWatts * 1.04 || 1, 5, 0, true);
  const yMax = yTicks[yTicks.length - 1]!;
  const rangeMs = count * series.binMs;
  const x = (i: number): number => LEFT + (i / count) * plotW;
  const y = (w: number): number => TOP + plotH - (w / yMax) * plotH;
  const out: string[] = [];
  out.push(
    `<svg class="chart power" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="100%" role="img" aria-label="Derived power over time" ` +
      `data-bin-ms="${series.binMs}" data-total-joules="${series.totalJoules}" data-peak-watts="${series.peakWatts}">`,
  );
  for (const w of yTicks) {
    out.push(`<line class="grid" x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${px(y(w))}" y2="${px(y(w))}"/>`);
    out.push(`<text class="tick" x="${LEFT - 8}" y="${px(y(w) + 4)}" text-anchor="end">${escapeHtml(`${trim(w)} W`)}</text>`);
  }
  const offset = series.startMs - runStartMs;
  const fmt = offsetFormatter(rangeMs + offset);
  for (const tick of timeTicks(rangeMs + offset, 8)) {
    if (tick.ms < offset) continue;
    const tx = LEFT + ((tick.ms - offset) / rangeMs) * plotW;
    out.push(`<text class="tick" x="${px(tx)}" y="${HEIGHT - 10}" text-anchor="${anchorAt(tx, WIDTH)}">${escapeHtml(tick.label)}</text>`);
  }
  // Stack from the bottom up: each layer's outline is a step path over the running total.
  const base = new Array<number>(count).fill(0);
  for (const c of series.components) {
    const top = base.map((b, i) => b + c.watts[i]!);
    const upper: string[] = [];
    for (let i = 0; i < count; i++) upper.push(`L${px(x(i))},${px(y(top[i]!))}L${px(x(i + 1))},${px(y(top[i]!))}`);
    const lower: string[] = [];
    for (let i = count - 1; i >= 0; i--) lower.push(`L${px(x(i + 1))},${px(y(base[i]!))}L${px(x(i))},${px(y(base[i]!))}`);
    const joules = c.watts.reduce((sum, w) => sum + (w * series.binMs) / 1000, 0);
    out.push(
      `<path class="layer" data-component="${c.key}" data-joules="${joules}" fill="${COMPONENT_COLORS[c.key]}" ` +
        `d="M${px(x(0))},${px(y(base[0]!))}${upper.join('')}${lower.join('')}Z"><title>${escapeHtml(`${c.label}: ${formatJoules(joules)} over the run`)}</title></path>`,
    );
    for (let i = 0; i < count; i++) base[i] = top[i]!;
  }
  for (const m of series.meanWatts) {
    const x0 = LEFT + ((m.startMs - series.startMs) / rangeMs) * plotW;
    const x1 = LEFT + ((m.endMs - series.startMs) / rangeMs) * plotW;
    out.push(`<line class="mean" x1="${px(x0)}" x2="${px(Math.max(x1, x0 + 1))}" y1="${px(y(m.watts))}" y2="${px(y(m.watts))}" data-watts="${m.watts}"><title>${escapeHtml(`energy.mean.watts of a top span: ${formatWatts(m.watts)}`)}</title></line>`);
  }
  out.push(`<line class="axis" x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${px(y(0))}" y2="${px(y(0))}"/>`);
  for (let i = 0; i < count; i++) {
    const parts = series.components.map((c) => `${c.label} ${formatWatts(c.watts[i]!)}`);
    const total = series.components.reduce((sum, c) => sum + c.watts[i]!, 0);
    const from = offset + i * series.binMs;
    const tip = `${fmt(from)} … ${fmt(from + series.binMs)} (bin ${formatDuration(series.binMs)})\n${formatWatts(total)} derived: ${parts.join(', ')}`;
    out.push(`<rect class="hit" x="${px(x(i))}" y="${TOP}" width="${px(plotW / count)}" height="${plotH}" data-tip="${escapeHtml(tip)}" data-watts="${total}"/>`);
  }
  out.push('</svg>');
  return out.join('');
}

/** The legend of device classes present, and the mean-watts line. */
export function renderPowerLegend(series: PowerSeries): string {
  const keys = series.components.map(
    (c) => `<span class="key" data-component="${c.key}"><i class="swatch" style="background:${COMPONENT_COLORS[c.key]}"></i>${escapeHtml(c.label)} (derived)</span>`,
  );
  if (series.meanWatts.length > 0) keys.push('<span class="key"><i class="swatch dash"></i>energy.mean.watts of each top span</span>');
  return `<div class="legend">${keys.join('')}</div>`;
}
