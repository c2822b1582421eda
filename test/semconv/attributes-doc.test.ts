// docs/attributes.md is where a user looks up a name: it must be what the registry generates, and list every name.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { generateAttributesDoc } from '../../scripts/gen-attributes-doc.js';

const root = join(import.meta.dirname, '..', '..');
const registry = join(root, 'semconv', 'registry');
const page = readFileSync(join(root, 'docs', 'attributes.md'), 'utf8');

interface Group { type: string; name?: string; metric_name?: string; attributes?: Array<{ id?: string }> }
const groups: Group[] = readdirSync(registry)
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((f) => (parse(readFileSync(join(registry, f), 'utf8')) as { groups: Group[] }).groups);

describe('docs/attributes.md', () => {
  it('is exactly what the registry generates (run `npm run semconv` after editing semconv/)', () => {
    expect(page).toBe(generateAttributesDoc(registry));
  });

  it('lists every attribute, metric and span event of the registry in a table row of its own', () => {
    const names = groups.flatMap((g) => [
      ...(g.attributes ?? []).flatMap((a) => (a.id ? [a.id] : [])),
      ...(g.type === 'metric' && g.metric_name ? [g.metric_name] : []),
      ...(g.type === 'event' && g.name ? [g.name] : []),
    ]);
    expect(names.length).toBeGreaterThan(100);
    const rows = new Set(page.split('\n').flatMap((line) => /^\| `([^`]+)` \|/.exec(line)?.[1] ?? []));
    expect(names.filter((n) => !rows.has(n))).toEqual([]);
  });

  it('is linked from the README', () => {
    expect(readFileSync(join(root, 'README.md'), 'utf8')).toContain('(docs/attributes.md)');
  });
});
