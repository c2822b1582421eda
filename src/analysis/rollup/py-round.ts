/**
 * Python's `round(x, ndigits)` on a float, bit for bit. CPython rounds the exact binary value of `x` to `ndigits`
 * decimals (correctly rounded, ties to even: `_Py_dg_dtoa` mode 3) and parses that decimal back to the nearest
 * double. So `round(1/32, 4)` is 0.0312 (1/32 = 0.03125 exactly, a tie, and 2 is even), while `round(0.00015, 4)` is
 * 0.0001 (the double nearest 0.00015 lies just below it), and `Math.round(x * 10 ** n) / 10 ** n` gets both wrong.
 *
 * `Number.prototype.toFixed` also rounds the exact value, but breaks ties away from zero. A tie needs the exact value
 * to end at decimal `ndigits + 1` with a 5, which a double can only do when it has at most `ndigits + 1` binary
 * fraction digits; only then is the tie resolved to the even neighbour here.
 *
 * @param x - the value; NaN, ±Infinity, ±0 and |x| ≥ 1e21 (already whole) come back unchanged, as in Python.
 * @param ndigits - decimals to keep, an integer 0..100.
 * @throws RangeError when `ndigits` is not an integer in 0..100.
 */
export function pyRound(x: number, ndigits: number): number {
  if (!Number.isInteger(ndigits) || ndigits < 0 || ndigits > 100) throw new RangeError(`pyRound: ndigits must be an integer 0..100, got ${ndigits}`);
  if (!Number.isFinite(x) || x === 0 || Math.abs(x) >= 1e21) return x;
  const away = x.toFixed(ndigits);
  // Scaling by a power of two is exact, so this asks whether x has at most ndigits + 1 binary fraction digits.
  if (!Number.isInteger(x * 2 ** (ndigits + 1))) return Number(away);
  const longer = x.toFixed(ndigits + 1); // exact: x has no more decimals than this
  if (!longer.endsWith('5')) return Number(away);
  // A tie: the truncation toward zero and `away` are the two neighbours; keep the one ending in an even digit.
  const truncated = ndigits === 0 ? longer.slice(0, -2) : longer.slice(0, -1);
  const lastDigit = Number(truncated[truncated.length - 1]);
  return Number(lastDigit % 2 === 0 ? truncated : away);
}
