import { colorAt, JouleColorScale, textColorOn } from '../color-scale.js';
import { clip, escapeHtml, formatDuration, formatJoules } from '../format.js';
import { spanJoules, STATUS_ERROR } from '../span-energy.js';
import type { TimelineLayout } from '../timeline-layout.js';
import { anchorAt, px, timeTicks } from './axis.js';

const WIDTH = 1120;
const GUTTER = 168;
const AXIS = 26;
const ROW = 20;
const GAP = 3;
const BAND_PAD = 6;
const CHAR_PX = 6.4;

const STATUS_TEXT = ['unset', 'ok', 'error'];

/**
 * The flame chart: one bar per span from start to end, nested below its parent, filled by the span's attributed
 * joules (inclusive where none). Each bar carries its numbers in a `<title>` and in data attributes.
 */
export function renderTimeline(layout: TimelineLayout, scale: JouleColorScale): string {
  const t0 = layout.startMs;
  const range = Math.max(layout.endMs - t0, 1e-3);
  const plot = WIDTH - GUTTER - 12;
  const x = (ms: number): number => GUTTER + ((ms - t0) / range) * plot;
  const bandY = (firstRow: number, index: number): number => AXIS + firstRow * (ROW + GAP) + index * BAND_PAD * 2;
    const height = AXIS + layout.rows * (ROW + GAP) + layout.bands.length * BAND_PAD * 2 + 8;
  const out: string[] = [];
  out.push(`<svg class="chart timeline" viewBox="0 0 ${WIDTH} ${px(height)}" width="100%" role="img" aria-label="Span timeline coloured by joules" data-start-ms="${t0}" data-end-ms="${layout.endMs}">`);

  for (const tick of timeTicks(range, 8)) {
    const tx = px(x(t0 + tick.ms));
    out.push(`<line class="grid" x1="${tx}" x2="${tx}" y1="${AXIS - 4}" y2="${px(height - 4)}"/>`);
    out.push(`<text class="tick" x="${tx}" y="${AXIS - 9}" text-anchor="${anchorAt(x(t0 + tick.ms), WIDTH)}">${escapeHtml(tick.label)}</text>`);
  }
  layout.bands.forEach((band, i) => {
    const y = bandY(band.firstRow, i);
    const h = band.rows * (ROW + GAP) + BAND_PAD * 2 - GAP;
    const first = band.traces[0]!;
    const ids = band.traces.map((t) => t.traceId).join(' ');
    out.push(`<g class="band" data-trace-ids="${escapeHtml(ids)}">`);
    out.push(`<rect class="band-bg${i % 2 === 1 ? ' odd' : ''}" x="0" y="${px(y)}" width="${WIDTH}" height="${px(h)}" rx="6"/>`);
    out.push(`<text class="band-label" x="10" y="${px(y + BAND_PAD + 13)}">${escapeHtml(clip(first.rootName, (GUTTER - 22) / 7.4))}</text>`);
    const sub = band.traces.length === 1 ? `trace ${first.traceId.slice(0, 12)}…` : `${band.traces.length} traces`;
    if (h >= 34) out.push(`<text class="band-id" x="10" y="${px(y + BAND_PAD + 27)}">${escapeHtml(sub)}</text>`);
    out.push('</g>');
  });
  for (const bar of layout.bars) {
    const s = bar.span;
    const joules = spanJoules(s);
    const fill = scale.color(joules);
    const x0 = x(s.startMs);
    const w = Math.max(x(s.endMs) - x0, 1.5);
    const y = bandY(bar.row, bar.band) + BAND_PAD;
    const error = s.statusCode === STATUS_ERROR;
    const status = STATUS_TEXT[s.statusCode] ?? String(s.statusCode);
    const tip = [
      s.name,
      `duration ${formatDuration(s.endMs - s.startMs)}`,
      joules === undefined ? 'no energy recorded' : `${formatJoules(joules)} attributed`,
      `status ${status}${s.statusMessage ? ` (${s.statusMessage})` : ''}`,
      `trace ${s.traceId}`,
    ].join('\n');
    out.push(
      `<g class="span${error ? ' error' : ''}" data-span-id="${escapeHtml(s.spanId)}" data-trace-id="${escapeHtml(s.traceId)}" data-name="${escapeHtml(s.name)}" data-duration-ms="${s.endMs - s.startMs}"` +
        `${joules === undefined ? '' : ` data-joules="${joules}"`} data-status="${status}" data-tip="${escapeHtml(tip)}">`,
    );
    out.push(`<title>${escapeHtml(tip)}</title>`);
    out.push(`<rect x="${px(x0)}" y="${px(y)}" width="${px(w)}" height="${ROW}" rx="3" fill="${fill}"/>`);
    const label = w > 34 ? clip(joules === undefined ? s.name : `${s.name} · ${formatJoules(joules)}`, (w - 8) / CHAR_PX) : '';
    if (label !== '') out.push(`<text x="${px(x0 + 5)}" y="${px(y + 14)}" style="fill:${textColorOn(fill)}">${escapeHtml(label)}</text>`);
    out.push('</g>');
  }
  out.push('</svg>');
  return out.join('');
}

/** The colour legend: a gradient strip with joule ticks, plus the no-energy and error keys. */
export function renderJouleLegend(scale: JouleColorScale): string {
  const width = 360;
  const stops = Array.from({ length: 11 }, (_, i) => `<stop offset="${i * 10}%" stop-color="${colorAt(i / 10)}"/>`).join('');
  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map((t) => `<text class="tick" x="${px(8 + t * width)}" y="34" text-anchor="${t === 0 ? 'start' : t === 1 ? 'end' : 'middle'}">${escapeHtml(formatJoules(scale.valueAt(t)))}</text>`)
    .join('');
  return (
    `<div class="legend"><svg viewBox="0 0 ${width + 16} 40" width="${width + 16}" height="40" aria-label="joules colour scale" data-min-joules="${scale.min}" data-max-joules="${scale.max}" data-log="${scale.log}">` +
    `<defs><linearGradient id="oj-joules">${stops}</linearGradient></defs>` +
    `<rect x="8" y="4" width="${width}" height="14" rx="3" fill="url(#oj-joules)"/>${ticks}</svg>` +
    `<span class="key">attributed joules per span, ${scale.log ? 'log' : 'linear'} scale</span>` +
    `<span class="key"><i class="swatch none"></i>no energy recorded</span>` +
    `<span class="key"><i class="swatch err"></i>error status</span></div>`
  );
}
