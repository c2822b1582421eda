// The span processor's id → slot table: OTel ids kept as two 32-bit words, anything else in a map, all exact.
import { describe, expect, it } from 'vitest';
import { SpanIdTable } from '../../src/trace/span-id-table.js';

describe('SpanIdTable', () => {
  it('finds, replaces and forgets OTel span ids, thousands at once, through rehashing', () => {
    const table = new SpanIdTable();
    const ids = Array.from({ length: 5000 }, (_, i) => (BigInt(i) * 0x9e3779b97f4a7c15n).toString(16).padStart(16, '0').slice(-16));
    ids.forEach((id, slot) => table.set(id, slot));
    expect(ids.map((id) => table.get(id))).toEqual(ids.map((_, slot) => slot));
    // Upper-case hex is the same id.
    expect(table.get(ids[42]!.toUpperCase())).toBe(42);
    for (let slot = 0; slot < 5000; slot += 2) table.delete(slot);
    expect(table.get(ids[0]!)).toBe(-1);
    expect(table.get(ids[1]!)).toBe(1);
    expect(table.get(ids[4999]!)).toBe(4999);
    expect(table.get('ffffffffffffffff')).toBe(-1);
  });

  it('tells apart ids that share a bucket or either 32-bit half', () => {
    const table = new SpanIdTable();
    table.set('00000000deadbeef', 1);
    table.set('00000001deadbeef', 2);
    table.set('deadbeef00000000', 3);
    expect([table.get('00000000deadbeef'), table.get('00000001deadbeef'), table.get('deadbeef00000000')]).toEqual([1, 2, 3]);
    table.delete(2);
    expect([table.get('00000000deadbeef'), table.get('00000001deadbeef'), table.get('deadbeef00000000')]).toEqual([1, -1, 3]);
  });

  it('keeps ids that are not 16 hex digits exactly, in a map', () => {
    const table = new SpanIdTable();
    table.set('not-hex-at-all!!', 7);
    table.set('abc', 8);
    table.set('0123456789abcdeg', 9); // 16 characters, one not hex
    expect([table.get('not-hex-at-all!!'), table.get('abc'), table.get('0123456789abcdeg'), table.get('0123456789abcdef')]).toEqual([7, 8, 9, -1]);
    table.delete(8);
    expect(table.get('abc')).toBe(-1);
    expect(table.get('not-hex-at-all!!')).toBe(7);
  });
});
