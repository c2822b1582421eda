import type { EnergyGroup } from '../breakdown.js';
import { clip, escapeHtml, formatCount, formatJoules } from '../format.js';
import { px } from './axis.js';

const WIDTH = 540;
const LABEL = 150;
const ROW = 30;
const BAR = 18;
/** Average glyph width of the 12 px value text, for sizing the space after the longest bar. */
const CHAR_PX = 6.6;

/**
 * A horizontal bar per group, longest first, with its joules, calls and errors written beside it and in data
 * attributes (`data-name`, `data-joules`, `data-calls`, `data-errors`).
 */
export function renderBarChart(groups: readonly EnergyGroup[], kind: 'tool' | 'model', color: string): string {
  if (groups.length === 0) {
    return `<p class="empty">No ${kind === 'tool' ? 'execute_tool' : 'model-call'} spans in this run.</p>`;
  }
  const max = groups.reduce((m, g) => Math.max(m, g.joules), 0) || 1;
  const values = groups.map((g) => `${formatJoules(g.joules)} · ${callsText(g)}`);
  const plot = Math.max(120, WIDTH - LABEL - 12 - values.reduce((m, v) => Math.max(m, v.length), 0) * CHAR_PX);
  const height = groups.length * ROW + 6;
  const out: string[] = [`<svg class="chart bars" viewBox="0 0 ${WIDTH} ${height}" width="100%" role="img" aria-label="Energy by ${kind}" data-kind="${kind}">`];
  groups.forEach((g, i) => {
    const y = 4 + i * ROW;
    const w = Math.max((g.joules / max) * plot, g.joules > 0 ? 2 : 0);
    const calls = callsText(g);
    const perToken = kind === 'model' && g.outputTokens > 0 ? `\n${formatJoules(g.joules / g.outputTokens)} per output token` : '';
    const tip = `${g.name}\n${formatJoules(g.joules)} attributed\n${calls}${perToken}`;
    out.push(
      `<g class="bar" data-name="${escapeHtml(g.name)}" data-joules="${g.joules}" data-calls="${g.calls}" data-errors="${g.errors}" data-tip="${escapeHtml(tip)}">`,
      `<title>${escapeHtml(tip)}</title>`,
      `<text class="bar-label" x="${LABEL - 8}" y="${y + 14}" text-anchor="end">${escapeHtml(clip(g.name, 22))}</text>`,
      `<rect x="${LABEL}" y="${y + 1}" width="${px(w)}" height="${BAR}" rx="3" fill="${color}"/>`,
      `<text class="bar-value" x="${px(LABEL + w + 6)}" y="${y + 14}">${escapeHtml(formatJoules(g.joules))}<tspan class="sub"> · ${escapeHtml(calls)}</tspan></text>`,
      '</g>',
    );
  });
  out.push('</svg>');
  return out.join('');
}

function callsText(g: EnergyGroup): string {
  return `${formatCount(g.calls)} call${g.calls === 1 ? '' : 's'}${g.errors > 0 ? ` · ${formatCount(g.errors)} failed` : ''}`;
}
