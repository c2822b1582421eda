/**
 * `json.dumps(value)` as CPython writes it with its defaults, so files we write are byte-for-byte what the seed's
 * Python writes: `", "` and `": "` separators, non-ASCII escaped as `\uXXXX` (`ensure_ascii=True`), floats in
 * `repr` form (`1.0`, `1e-06`, `1e+16`). JavaScript has one number type, so the caller names the keys whose
 * values are Python floats; every other integral number is written as an int.
 */
export function pythonJsonDumps(value: unknown, floatKeys: ReadonlySet<string> = new Set()): string {
  return dump(value, false, floatKeys);
}

function dump(value: unknown, isFloat: boolean, floatKeys: ReadonlySet<string>): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return isFloat || !Number.isInteger(value) ? pythonFloatRepr(value) : String(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') return pythonString(value);
  if (Array.isArray(value)) return `[${value.map((v) => dump(v, isFloat, floatKeys)).join(', ')}]`;
  if (typeof value === 'object') {
    const parts: string[] = [];
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      if (v === undefined) continue;
      // A float-valued mapping (tool_latencies_s) makes its values floats too.
      parts.push(`${pythonString(key)}: ${dump(v, isFloat || floatKeys.has(key), floatKeys)}`);
    }
    return `{${parts.join(', ')}}`;
  }
  return pythonString(String(value));
}

/** A string literal as `json.dumps` writes it with `ensure_ascii=True`: everything outside space..~ escaped. */
export function pythonString(text: string): string {
  // JSON.stringify already escapes `"`, `\`, control characters (\b \f \n \r \t, else \u00XX) as Python does.
  return JSON.stringify(text).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Python's `repr(float)`: the shortest digits that round-trip (as JavaScript's), fixed notation when the decimal
 * exponent is in [-4, 16), scientific with a signed, at least two-digit exponent otherwise; NaN and infinities as
 * `json.dumps` writes them.
 */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mantissa, expText] = x.toExponential().split('e') as [string, string];
  const exponent = Number(expText);
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  const sign = negative ? '-' : '';
  if (exponent >= -4 && exponent < 16) {
    let text: string;
    if (exponent < 0) text = `0.${'0'.repeat(-exponent - 1)}${digits}`;
    else if (digits.length <= exponent + 1) text = `${digits}${'0'.repeat(exponent + 1 - digits.length)}.0`;
    else text = `${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
    return sign + text;
  }
  const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const expSign = exponent < 0 ? '-' : '+';
  return `${sign}${mant}e${expSign}${String(Math.abs(exponent)).padStart(2, '0')}`;
}
