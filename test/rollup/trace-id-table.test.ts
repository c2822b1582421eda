// The trace table the rollup keeps for every trace of its input: values survive growth, the first value set stays,
// and ids outside 32 lowercase hex digits (spans given in memory) are kept apart exactly, as a Map keeps them.
import { describe, expect, it } from 'vitest';
import { TraceIdTable } from '../../src/analysis/rollup/trace-id-table.js';

const id = (n: number): string => `${n.toString(16).padStart(16, '0')}${(n * 2654435761 % 2 ** 32).toString(16).padStart(16, '0')}`;

describe('TraceIdTable', () => {
  it('keeps 100 000 traces through its growth, first value wins', () => {
    const table = new TraceIdTable();
    for (let n = 0; n < 100_000; n++) table.setIfAbsent(id(n), n);
    for (let n = 0; n < 100_000; n += 7) table.setIfAbsent(id(n), -5 + n);
    const wrong: number[] = [];
    for (let n = 0; n < 100_000; n++) if (table.get(id(n)) !== n) wrong.push(n);
    expect(wrong).toEqual([]);
    expect(table.get(id(100_001))).toBe(-1);
  });

  it('keeps uppercase, short and odd ids apart, as a Map does', () => {
    const table = new TraceIdTable();
    const lower = 'ab'.repeat(16);
    table.setIfAbsent(lower, 1);
    table.setIfAbsent(lower.toUpperCase(), 2);
    table.setIfAbsent('trace-1', 3);
    table.setIfAbsent('', 4);
    expect([table.get(lower), table.get(lower.toUpperCase()), table.get('trace-1'), table.get(''), table.get('trace-2')]).toEqual([1, 2, 3, 4, -1]);
  });
});
