import { readGenAiSpan } from '../model/genai-span.js';
import type { SpanRecord } from '../otlp/span-record.js';
import * as sc from '../../semconv.js';
import type { JouleColorScale } from './color-scale.js';
import { escapeHtml, formatDuration, formatJoules, formatWatts } from './format.js';
import { amount, spanJoules, STATUS_ERROR } from './span-energy.js';

/** The `limit` spans with the most attributed joules, as a table with their power and operation. */
export function renderTopSpans(spans: readonly SpanRecord[], scale: JouleColorScale, limit = 10): string {
  const ranked = spans
    .map((span) => ({ span, joules: spanJoules(span) }))
    .filter((x): x is { span: SpanRecord; joules: number } => x.joules !== undefined)
    .sort((a, b) => b.joules - a.joules)
    .slice(0, limit);
  if (ranked.length === 0) return '<p class="empty">No span carries energy.</p>';
  const rows = ranked.map(({ span, joules }) => {
    const inclusive = amount(span.attributes[sc.ATTR_ENERGY_JOULES]);
    const mean = amount(span.attributes[sc.ATTR_ENERGY_MEAN_WATTS]);
    const op = readGenAiSpan(span).operation ?? '';
    return (
      `<tr data-span-id="${escapeHtml(span.spanId)}"><td><i class="swatch" style="background:${scale.color(joules)}"></i>${escapeHtml(span.name)}</td>` +
      `<td><code>${escapeHtml(op)}</code></td><td class="num">${escapeHtml(formatDuration(span.endMs - span.startMs))}</td>` +
      `<td class="num" data-joules="${joules}">${escapeHtml(formatJoules(joules))}</td>` +
      `<td class="num">${inclusive === undefined ? '—' : escapeHtml(formatJoules(inclusive))}</td>` +
      `<td class="num">${mean === undefined ? '—' : escapeHtml(formatWatts(mean))}</td>` +
      `<td>${span.statusCode === STATUS_ERROR ? `error${span.statusMessage ? `: ${escapeHtml(span.statusMessage)}` : ''}` : 'ok'}</td></tr>`
    );
  });
  return (
    '<table><tr><th>span</th><th>operation</th><th class="num">duration</th><th class="num">attributed</th>' +
    `<th class="num">inclusive</th><th class="num">mean power</th><th>status</th></tr>${rows.join('')}</table>`
  );
}
