import { describe, expect, it } from 'vitest';
import { pythonFloatRepr, pythonJsonDumps, pythonString } from '../../src/analysis/export-data/python-json.js';

describe('pythonFloatRepr (repr(float))', () => {
  it.each([
    [1, '1.0'],
    [0, '0.0'],
    [-0, '-0.0'],
    [0.1, '0.1'],
    [1.5, '1.5'],
    [-2.25, '-2.25'],
    [123456.789, '123456.789'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [0.000001234, '1.234e-06'],
    [1e15, '1000000000000000.0'],
    [1e16, '1e+16'],
    [1.5e16, '1.5e+16'],
    [1e21, '1e+21'],
    [1e-7, '1e-07'],
    [2 ** 53, '9007199254740992.0'],
    [1 / 3, '0.3333333333333333'],
    [Infinity, 'Infinity'],
    [NaN, 'NaN'],
  ])('%s → %s', (x, expected) => {
    expect(pythonFloatRepr(x)).toBe(expected);
  });
});

describe('pythonJsonDumps (json.dumps defaults)', () => {
  it('uses Python separators, ints vs named float keys, None/True/False', () => {
    expect(pythonJsonDumps({ a: 1, w: 1, l: [1, 2], d: { x: 2 }, n: null, t: true, f: false }, new Set(['w', 'd']))).toBe(
      '{"a": 1, "w": 1.0, "l": [1, 2], "d": {"x": 2.0}, "n": null, "t": true, "f": false}',
    );
    expect(pythonJsonDumps([])).toBe('[]');
    expect(pythonJsonDumps({})).toBe('{}');
  });

  it('escapes non-ASCII like ensure_ascii=True', () => {
    expect(pythonString('héllo "q" \\ \n\t\u0001 \u007f 😀')).toBe('"h\\u00e9llo \\"q\\" \\\\ \\n\\t\\u0001 \\u007f \\ud83d\\ude00"');
  });
});
