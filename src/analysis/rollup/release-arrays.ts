/**
 * Frees the memory of typed arrays a table has just outgrown, at the next young-generation collection instead of
 * the next full one. An outgrown array's buffer is old (it lived as long as the table), and the collector frees an
 * old buffer's memory only at a full collection, which a rollup, whose JavaScript heap barely grows, seldom needs:
 * the outgrown arrays of every growth (about twice the tables' live size) then stay resident, the part of the peak
 * memory that grows with the sessions. Moving each buffer's memory into a new, unreferenced buffer (a transfer,
 * not a copy) leaves it with a young one. The arrays are detached (empty) after: the caller must not use them.
 */
export function releaseArrays(...arrays: ReadonlyArray<Float64Array | Int32Array | Uint8Array>): void {
  const buffers = [...new Set(arrays.map((a) => a.buffer))].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer && b.byteLength > 0);
  try {
    structuredClone(buffers, { transfer: buffers });
  } catch {
    // A buffer that cannot be transferred (one Node marked so): left to the collector, as before.
  }
}
