// The *_json KPI columns as Python's json.dumps(d, sort_keys=True) writes them, and Python's float repr.
import { describe, expect, it } from 'vitest';
import { pyFloatRepr, pyJsonDumpsSorted } from '../../src/analysis/rollup/py-json.js';

describe('pyFloatRepr', () => {
  it.each([
    // Each printed by python3 -c 'print(repr(x))'.
    [1, '1.0'],
    [0.1 + 0.2, '0.30000000000000004'],
    [1e-5, '1e-05'],
    [0.0001, '0.0001'],
    [1e16, '1e+16'],
    [1234567890123456.8, '1234567890123456.8'],
    [-2.5e-7, '-2.5e-07'],
    [-0, '-0.0'],
  ])('repr(%s) == %s', (x, expected) => {
    expect(pyFloatRepr(x)).toBe(expected);
  });
});

describe('Python json.dumps(sort_keys=True) of the *_json columns', () => {
  it.each([
    // Each expected string printed by python3 -c 'import json; print(json.dumps(d, sort_keys=True))'.
    [new Map([['t4-small', 0.25], ['a100x4', 2]]), 'float', '{"a100x4": 2.0, "t4-small": 0.25}'],
    [new Map([['x', 1e-5], ['y', 1.5e16], ['z', 0.1 + 0.2]]), 'float', '{"x": 1e-05, "y": 1.5e+16, "z": 0.30000000000000004}'],
    [new Map([['caf\u00e9', 1], ['a"b', 2], ['\u{1F600}', 3]]), 'int', '{"a\\"b": 2, "caf\\u00e9": 1, "\\ud83d\\ude00": 3}'],
    [new Map<string, number>(), 'int', '{}'],
  ] as const)('%#', (d, type, expected) => {
    expect(pyJsonDumpsSorted(d, type)).toBe(expected);
  });
});
