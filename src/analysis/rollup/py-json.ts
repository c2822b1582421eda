/**
 * The text Python's `json.dumps(d, sort_keys=True)` writes for a flat `{str: number}` dict, so the seed's
 * `*_json` KPI columns come out byte for byte: `", "` and `": "` separators, keys sorted by code point, non-ASCII
 * escaped as `\uXXXX` (`ensure_ascii`), and floats as Python's `repr` (`1.0`, `1e-05`, `1.5e+16`).
 */

/** Python's `repr(float)`: the shortest digits that round-trip, fixed notation for exponents -4..15, else `1e-05`. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  // toExponential() without an argument gives the shortest round-trip digits, like Python's repr.
  const [mantissa, exponentText] = x.toExponential().split('e') as [string, string];
  const exponent = Number(exponentText);
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  const sign = negative ? '-' : '';
  if (exponent < -4 || exponent >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exponent);
    return `${sign}${m}e${exponent < 0 ? '-' : '+'}${e < 10 ? `0${e}` : e}`;
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0');
  const fraction = digits.slice(exponent + 1);
  return `${sign}${whole}.${fraction === '' ? '0' : fraction}`;
}

/** `json.dumps(s)` with `ensure_ascii=True`. */
export function pyJsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0c) out += '\\f';
    else if (c >= 0x20 && c <= 0x7e) out += s[i];
    else out += `\\u${c.toString(16).padStart(4, '0')}`;
  }
  return `${out}"`;
}

/**
 * `json.dumps(dict(d), sort_keys=True)` for a dict of numbers: `float` values print as Python floats (`1.0`),
 * `int` values as integers.
 */
export function pyJsonDumpsSorted(d: ReadonlyMap<string, number>, valueType: 'float' | 'int'): string {
  const keys = [...d.keys()].sort(byCodePoint);
  const parts = keys.map((k) => {
    const v = d.get(k)!;
    return `${pyJsonString(k)}: ${valueType === 'float' ? pyFloatRepr(v) : String(Math.trunc(v))}`;
  });
  return `{${parts.join(', ')}}`;
}

/** Python compares str by code point; JS's default sort compares UTF-16 units, which differs above U+FFFF. */
function byCodePoint(a: string, b: string): number {
  const ca = [...a];
  const cb = [...b];
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
    const d = ca[i]!.codePointAt(0)! - cb[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return ca.length - cb.length;
}
