// Prints a plain-text table (the benchmarks' output), columns padded to their widest cell.

/** Prints `rows` under `headers`; numbers are right-aligned. */
export function printTable(title: string, headers: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>): void {
  const cells = [headers.map(String), ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? '').length)));
  const line = (r: readonly string[], numeric: boolean) =>
    r.map((cell, c) => (numeric && c > 0 ? cell.padStart(widths[c] ?? 0) : cell.padEnd(widths[c] ?? 0))).join(' | ');
  console.log(`\n${title}`);
  console.log(line(cells[0] ?? [], false));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const r of cells.slice(1)) console.log(line(r, true));
}

/** A percentage with `digits` decimals. */
export function pct(x: number, digits = 1): string {
  return `${(x * 100).toFixed(digits)}%`;
}

/** Median of a list (NaN when empty). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? (s[(s.length - 1) / 2] ?? NaN) : ((s[s.length / 2 - 1] ?? 0) + (s[s.length / 2] ?? 0)) / 2;
}

/** Deterministic uniform [0, 1) numbers (LCG), so every run measures the same spans. */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
