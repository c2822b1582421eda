// Releasing outgrown typed arrays (release-arrays.ts): their memory leaves them (they are detached, empty), arrays
// sharing nothing with them keep theirs, and a buffer given twice or already empty is no error.
import { describe, expect, it } from 'vitest';
import { releaseArrays } from '../../src/analysis/rollup/release-arrays.js';

describe('releaseArrays', () => {
  it('detaches the arrays given and leaves the others whole', () => {
    const hi = new Int32Array(4096).fill(7);
    const starts = new Float64Array(1024).fill(1.5);
    const flags = new Uint8Array(100).fill(1);
    const kept = new Int32Array(hi.length);
    kept.set(hi);
    releaseArrays(hi, starts, flags);
    expect([hi.length, starts.length, flags.length]).toEqual([0, 0, 0]);
    expect([hi.buffer.byteLength, starts.buffer.byteLength, flags.buffer.byteLength]).toEqual([0, 0, 0]);
    expect(kept.length).toBe(4096);
    expect(kept.every((v) => v === 7)).toBe(true);
  });

  it('takes a buffer shared by two arrays, and an array already released, without throwing', () => {
    const buffer = new ArrayBuffer(64);
    const a = new Int32Array(buffer);
    const b = new Uint8Array(buffer);
    expect(() => releaseArrays(a, b)).not.toThrow();
    expect(b.length).toBe(0);
    expect(() => releaseArrays(a)).not.toThrow();
  });

  it('leaves a buffer Node will not let go (its shared Buffer pool) as it is', () => {
    const pooled = Buffer.from('pooled bytes');
    const neighbour = Buffer.from('its neighbour');
    releaseArrays(pooled);
    expect(pooled.toString()).toBe('pooled bytes');
    expect(neighbour.toString()).toBe('its neighbour');
  });
});
