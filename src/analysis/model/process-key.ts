import type { AttrValue } from '../otlp/span-record.js';

/**
 * One string per process that wrote spans: its resource attributes, sorted. Spans of one process share one
 * resource (OTLP groups them under it), and the attribution of energy is per process: a span's fair share includes
 * its children's only when they ran in the same process. Memoised per resource object (the reader decodes one per
 * line), so the cost is per line, not per span.
 */
export function processKey(resource: Readonly<Record<string, AttrValue>>): string {
  // The spans of a line share its resource: the last one answers most calls without a WeakMap lookup.
  if (resource === lastResource) return lastKey;
  let key = MEMO.get(resource);
  if (key === undefined) {
    key = JSON.stringify(Object.keys(resource).sort().map((k) => [k, resource[k]]));
    MEMO.set(resource, key);
  }
  lastResource = resource;
  lastKey = key;
  return key;
}

const MEMO = new WeakMap<object, string>();
let lastResource: object | undefined;
let lastKey = '';
