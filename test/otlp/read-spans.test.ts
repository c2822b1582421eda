import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readSpanRecords, SpanInputError } from '../../src/analysis/otlp/read-spans.js';
import { formatIssue, type ReadIssue, type SpanRecord } from '../../src/analysis/otlp/span-record.js';

const span = (name: string, extra: Record<string, unknown> = {}) => ({
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  name,
  kind: 1,
  startTimeUnixNano: '1700000000000000000',
  endTimeUnixNano: '1700000001500000000',
  ...extra,
});
const line = (...spans: object[]) => JSON.stringify({ resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: 's' }, spans }] }] });

async function readAll(inputs: string[], opts: { strict?: boolean; stdin?: Readable } = {}): Promise<{ spans: SpanRecord[]; issues: ReadIssue[] }> {
  const issues: ReadIssue[] = [];
  const spans: SpanRecord[] = [];
  for await (const s of readSpanRecords(inputs, { ...opts, onIssue: (i) => issues.push(i) })) spans.push(s);
  return { spans, issues };
}

describe('readSpanRecords', () => {
  it('reports bad lines with file:line and keeps every valid span', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oj-read-'));
    const file = join(dir, 'traces.jsonl');
    writeFileSync(
      file,
      [
        line(span('a')),
        '{"resourceSpans": [ broken',
        '',
        line(span('b', { startTimeUnixNano: 'yesterday' }), span('c')),
        JSON.stringify({ resourceMetrics: [] }), // a metrics line of a Collector file: no spans, no complaint
        '[1,2]',
        line(span('d', { startTimeUnixNano: 1.7e18, endTimeUnixNano: 1.7e18 + 2e6, kind: 'SPAN_KIND_CLIENT' })),
        line(span('e')).slice(0, 40), // truncated last line, no newline
      ].join('\n'),
    );
    const { spans, issues } = await readAll([file]);
    expect(spans.map((s) => s.name)).toEqual(['a', 'c', 'd']);
    expect(spans[2]!.kind).toBe(3);
    expect(spans[2]!.endMs - spans[2]!.startMs).toBeCloseTo(2, 3); // numbers near 1.7e18 ns carry only ~256 ns precision
    expect(spans[0]!.endMs - spans[0]!.startMs).toBe(1500);
    expect(issues.map((i) => [i.line, i.reason.startsWith('malformed JSON (') ? 'malformed JSON' : i.reason])).toEqual([
      [2, 'malformed JSON'],
      [4, 'span "b" (b7ad6b7169203331): missing or invalid startTimeUnixNano'],
      [6, 'not a JSON object'],
      [8, 'malformed JSON'],
    ]);
    expect(formatIssue(issues[0]!)).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: malformed JSON`));
  });

  it('strict mode stops at the first bad input', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oj-read-'));
    writeFileSync(join(dir, 'a.json'), [line(span('ok')), 'nope'].join('\n'));
    await expect(readAll([dir], { strict: true })).rejects.toBeInstanceOf(SpanInputError);
    await expect(readAll([dir], { strict: true })).rejects.toThrow(/a\.json:2: malformed JSON/);
  });

  it('reads directories recursively (rotated Collector files) and stdin', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oj-read-'));
    mkdirSync(join(dir, 'nested'));
    writeFileSync(join(dir, 'traces.json'), line(span('x')) + '\n');
    writeFileSync(join(dir, 'nested', 'traces-2026-11-22T10-00-00.000.json'), line(span('y')) + '\n');
    writeFileSync(join(dir, 'notes.txt'), 'not spans');
    const { spans, issues } = await readAll([dir, '-'], { stdin: Readable.from([line(span('z'))]) });
    expect(spans.map((s) => s.name).sort()).toEqual(['x', 'y', 'z']);
    expect(issues).toEqual([]);
  });
});
