/**
 * A 64-bit hash of a string as two int32s, left in {@link hashHi} / {@link hashLo} by {@link hash64} (no object per
 * call: the rollup hashes an id per span). Two independent 32-bit hashes (FNV-1a and a multiply-rotate), each
 * finished with murmur3's mix: two ids share a key only by a 1 in 2^64 chance per pair.
 */
export let hashHi = 0;
export let hashLo = 0;

/** Hashes `s` into {@link hashHi} / {@link hashLo}. */
export function hash64(s: string): void {
  let a = 0x811c9dc5;
  let b = 0x9747b28c ^ s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 16777619);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  hashHi = fmix(a);
  hashLo = fmix(b);
}

function fmix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}
