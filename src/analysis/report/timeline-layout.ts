import type { SpanRecord } from '../otlp/span-record.js';

/** One span placed on the flame chart. */
export interface TimelineBar {
  readonly span: SpanRecord;
  /** Row from the top of the chart, counting every trace's rows. */
  readonly row: number;
  /** Nesting depth within its trace (0 for a top span). */
  readonly depth: number;
}

/** A horizontal band of rows holding one trace, or several that never overlap in time. */
export interface TimelineBand {
  /** The band's first row and its row count. */
  readonly firstRow: number;
  readonly rows: number;
  /** The traces in the band, in start order, each with the name of its earliest top span. */
  readonly traces: ReadonlyArray<{ readonly traceId: string; readonly rootName: string }>;
}

/** Spans laid out by start/end on a shared time axis, children below their parents; traces packed into bands. */
export interface TimelineLayout {
  readonly startMs: number;
  readonly endMs: number;
  readonly bands: readonly TimelineBand[];
  /** Every drawn span, with its row counted from the chart's top and the index of its band. */
  readonly bars: ReadonlyArray<TimelineBar & { readonly band: number }>;
  readonly rows: number;
  /** Spans and traces left out to stay under the span limit (whole traces, latest first). */
  readonly omittedSpans: number;
  readonly omittedTraces: number;
}

/**
 * Lays out a flame chart. Within a trace, spans are placed depth-first, each in the first row below its parent
 * where it overlaps nothing already placed, so concurrent siblings get rows of their own. Traces, in start order,
 * share a band with earlier traces they do not overlap in time (sequential turns sit side by side), else open a new
 * band. Whole traces past `maxSpans` are left out (counted), so a huge input still gives a readable file.
 */
export function layoutTimeline(spans: readonly SpanRecord[], maxSpans = 4000): TimelineLayout {
  const byTrace = new Map<string, SpanRecord[]>();
  for (const s of spans) {
    const list = byTrace.get(s.traceId);
    if (list === undefined) byTrace.set(s.traceId, [s]);
    else list.push(s);
  }
  const traces = [...byTrace.values()].map((list) => ({
    list,
    start: list.reduce((m, s) => Math.min(m, s.startMs), Infinity),
    end: list.reduce((m, s) => Math.max(m, s.endMs), -Infinity),
  }));
  traces.sort((a, b) => a.start - b.start);

  const kept: typeof traces = [];
  let placed = 0;
  let omittedSpans = 0;
  let omittedTraces = 0;
  for (const t of traces) {
    if (placed > 0 && placed + t.list.length > maxSpans) {
      omittedSpans += t.list.length;
      omittedTraces++;
      continue;
    }
    placed += t.list.length;
    kept.push(t);
  }
  const startMs = kept.reduce((m, t) => Math.min(m, t.start), Infinity);
  const endMs = kept.reduce((m, t) => Math.max(m, t.end), -Infinity);
  // Traces closer than 0.5 % of the range still count as overlapping, so bars of neighbours never touch.
  const pad = (endMs - startMs) * 0.005;
  const groups: Array<{ rows: number; lastEnd: number; members: Array<{ traceId: string; rootName: string; bars: TimelineBar[] }> }> = [];
  for (const t of kept) {
    const { bars, rows, rootName } = layoutTrace(t.list);
    const member = { traceId: t.list[0]!.traceId, rootName, bars };
    const group = groups.find((g) => g.lastEnd + pad < t.start);
    if (group === undefined) {
      groups.push({ rows, lastEnd: t.end, members: [member] });
    } else {
      group.rows = Math.max(group.rows, rows);
      group.lastEnd = Math.max(group.lastEnd, t.end);
      group.members.push(member);
    }
  }
  const bands: TimelineBand[] = [];
  const out: Array<TimelineBar & { band: number }> = [];
  let row = 0;
  groups.forEach((g, band) => {
    bands.push({ firstRow: row, rows: g.rows, traces: g.members.map(({ traceId, rootName }) => ({ traceId, rootName })) });
    for (const m of g.members) for (const bar of m.bars) out.push({ ...bar, row: bar.row + row, band });
    row += g.rows;
  });
  return { startMs, endMs, bands, bars: out, rows: row, omittedSpans, omittedTraces };
}

function layoutTrace(spans: readonly SpanRecord[]): { bars: TimelineBar[]; rows: number; rootName: string } {
  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map<string, SpanRecord[]>();
  const tops: SpanRecord[] = [];
  for (const s of spans) {
    if (s.parentSpanId === undefined || !ids.has(s.parentSpanId) || s.parentSpanId === s.spanId) {
      tops.push(s);
      continue;
    }
    const list = children.get(s.parentSpanId);
    if (list === undefined) children.set(s.parentSpanId, [s]);
    else list.push(s);
  }
  const byStart = (a: SpanRecord, b: SpanRecord): number => a.startMs - b.startMs || b.endMs - a.endMs;
  tops.sort(byStart);
  // Each row keeps the intervals placed in it.
  const occupied: Array<Array<[number, number]>> = [];
  const bars: TimelineBar[] = [];
  const visited = new Set<string>();
  const place = (span: SpanRecord, minRow: number, depth: number): void => {
    if (visited.has(span.spanId)) return;
    visited.add(span.spanId);
    let r = minRow;
    for (; ; r++) {
      const used = (occupied[r] ??= []);
      if (!used.some(([a, b]) => span.startMs < b && a < span.endMs)) {
        used.push([span.startMs, Math.max(span.endMs, span.startMs + 1e-6)]);
        break;
      }
    }
    bars.push({ span, row: r, depth });
    for (const child of (children.get(span.spanId) ?? []).sort(byStart)) place(child, r + 1, depth + 1);
  };
  for (const top of tops) place(top, 0, 0);
  // Spans in a parent cycle are reachable from no top span; place them as tops so none goes missing.
  for (const s of spans) if (!visited.has(s.spanId)) place(s, 0, 0);
  return { bars, rows: occupied.length, rootName: tops[0]?.name ?? spans[0]?.name ?? '' };
}
