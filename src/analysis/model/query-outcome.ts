import { flag } from './attribute-value.js';
import type { SpanForest } from './span-forest.js';
import type { SpanRecord } from '../otlp/span-record.js';

/** The forest's root that stands for the query: its earliest true root (no parent at all), else its earliest root. */
export function queryRoot(forest: SpanForest): SpanRecord {
  const roots = forest.roots.map((i) => forest.nodes[i]!.span);
  return roots.find((s) => s.parentSpanId === undefined) ?? roots[0]!;
}

/**
 * A query-level attribute (`openjoules.query.resolved`, `.accuracy`): the root's, else that of the latest-starting span
 * that has one (a turn, or the event bridge's trajectory_end span written after the root ended); null when none does.
 */
export function queryAttribute<T>(forest: SpanForest, read: (span: SpanRecord) => T | undefined): T | null {
  const own = read(queryRoot(forest));
  if (own !== undefined) return own;
  for (let i = forest.nodes.length - 1; i >= 0; i--) {
    const value = read(forest.nodes[i]!.span);
    if (value !== undefined) return value;
  }
  return null;
}

/** `openjoules.query.resolved` of the query (see {@link queryAttribute}). */
export function queryResolved(forest: SpanForest): boolean | null {
  return queryAttribute(forest, (s) => flag(s.attributes['openjoules.query.resolved']));
}
