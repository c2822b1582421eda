// The 64-bit key table behind the rollup's per-bucket sessions and users: flags OR-ed per key through its growth,
// "new key" told apart from "seen", and every key visited once.
import { describe, expect, it } from 'vitest';
import { Hash64Table } from '../../src/analysis/rollup/hash64-table.js';

describe('Hash64Table', () => {
  it('ORs flags per (bucket, session) key through growth, says which keys are new, and visits each key once', () => {
    const table = new Hash64Table();
    const fresh: boolean[] = [];
    // 24 buckets × 2 000 sessions, each pair touched three times with different flags.
    for (const flags of [0, 1, 2]) {
      for (let bucket = 0; bucket < 24; bucket++) {
        for (let session = 0; session < 2000; session++) fresh.push(table.orValue(bucket, session, session % 3 === flags ? flags : 0));
      }
    }
    expect(fresh.filter(Boolean)).toHaveLength(24 * 2000);
    expect(fresh.slice(24 * 2000).some(Boolean)).toBe(false);
    const seen = new Map<string, number>();
    table.forEach((bucket, session, value) => seen.set(`${bucket}/${session}`, value));
    expect(seen.size).toBe(24 * 2000);
    const wrong = [...seen].filter(([key, value]) => value !== Number(key.split('/')[1]) % 3);
    expect(wrong).toEqual([]);
    expect(table.get(24, 0)).toBe(-1);
  });
});
