// The byte scanner (otlp/scan-spans.ts) against the reference reader (JSON.parse + decodeTraceDocument): the same
// spans with the kept attributes for every line it takes, and no answer (so the reference reader decides) for every
// line outside its shape, including each kind of malformed JSON that JSON.parse rejects.
import { describe, expect, it } from 'vitest';
import { decodeTraceDocument } from '../../src/analysis/otlp/decode.js';
import { scanTraceLine } from '../../src/analysis/otlp/scan-spans.js';
import type { SpanRecord } from '../../src/analysis/otlp/span-record.js';

const keep = (key: string): boolean => !key.startsWith('skip.');

function reference(line: string): SpanRecord[] {
  return decodeTraceDocument(JSON.parse(line)).spans.map((s) => ({
    ...s,
    attributes: Object.fromEntries(Object.entries(s.attributes).filter(([k]) => keep(k))),
  }));
}

function scan(line: string): SpanRecord[] | undefined {
  // Padding around the line: the scanner reads only [start, end).
  const bytes = Buffer.from(`xx${line}\nyy`);
  return scanTraceLine(bytes, 2, 2 + Buffer.byteLength(line), keep);
}

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const SPAN = 'b7ad6b7169203331';
const attr = (key: string, value: string): string => `{"key":"${key}","value":${value}}`;

function line(spans: string[], resource = '{"attributes":[{"key":"service.name","value":{"stringValue":"agent"}}]}'): string {
  return `{"resourceSpans":[{"resource":${resource},"scopeSpans":[{"scope":{"name":"s","version":"1"},"spans":[${spans.join(',')}]}]}]}`;
}

function span(fields: string): string {
  return `{"traceId":"${TRACE}","spanId":"${SPAN}",${fields}}`;
}

const BASE = '"name":"chat m","kind":3,"startTimeUnixNano":"1777000000123456789","endTimeUnixNano":"1777000001000000000"';

const TAKEN: Array<[string, string]> = [
  ['the Collector layout, every scalar type, a skipped key', line([span(`"parentSpanId":"${SPAN.replace('b', 'c')}","flags":1,${BASE},"attributes":[` +
    `${attr('gen_ai.operation.name', '{"stringValue":"chat"}')},${attr('n', '{"intValue":"1234"}')},${attr('neg', '{"intValue":"-7"}')},` +
    `${attr('big', '{"intValue":"12345678901234567890"}')},${attr('lead', '{"intValue":"007"}')},${attr('d', '{"doubleValue":0.1}')},` +
    `${attr('e', '{"doubleValue":1.5e3}')},${attr('long', '{"doubleValue":3.14159265358979323846}')},${attr('negzero', '{"doubleValue":-0}')},` +
    `${attr('b', '{"boolValue":true}')},${attr('skip.me', '{"arrayValue":{"values":[{"stringValue":"x"}]}}')}],` +
    `"status":{"code":2,"message":"bad \\"quote\\" é"}`)])],
  ['whitespace everywhere, members in another order', ` { "resourceSpans" : [ { "scopeSpans" : [ { "spans" : [ { "kind" : 1 , ` +
    `"attributes" : [ { "key" : "k" , "value" : { "stringValue" : "v" } } , { "key" : "s" , "value" : { "intValue" : 5 } } ] , "endTimeUnixNano" : "2000000" ,` +
    ` "name" : "n" , "startTimeUnixNano" : "1000000" , "spanId" : "${SPAN}" , "traceId" : "${TRACE}" } ] } ] } ] } \r`],
  ['uppercase ids, an empty parent, escapes and non-ASCII in values', line([`{"traceId":"${TRACE.toUpperCase()}","spanId":"${SPAN.toUpperCase()}","parentSpanId":"",${BASE},` +
    `"attributes":[${attr('gen_ai.conversation.id', '{"stringValue":"c\\u00e9\\n1"}')},${attr('ünï', '{"stringValue":"日本"}')}]}`])],
  ['events, links and an unknown top-level member', `{"x":[1,2,{"y":null}],"resourceSpans":[{"resource":{},"scopeSpans":[{"spans":[${span(`${BASE},` +
    `"events":[{"timeUnixNano":"1777000000500000000","name":"openjoules.feedback","attributes":[${attr('openjoules.feedback.rating', '{"stringValue":"up"}')}]}],` +
    `"links":[{"traceId":"${TRACE}","spanId":"${SPAN}"}]`)}]}]},{"scopeSpans":[]}]}`],
  ['two resources, several spans, no attributes', `{"resourceSpans":[{"resource":{"attributes":[${attr('user.id', '{"stringValue":"u"}')}]},"scopeSpans":[{"spans":[${span(BASE)},${span(BASE)}]}]},` +
    `{"resource":{"attributes":[]},"scopeSpans":[{"scope":{"name":"t"},"spans":[${span(BASE)}]}]}]}`],
  ['a repeated attribute key (the last wins)', line([span(`${BASE},"attributes":[${attr('k', '{"stringValue":"a"}')},${attr('k', '{"stringValue":"b"}')}]`)])],
  ['no spans', '{"resourceSpans":[]}'],
];

const LEFT: Array<[string, string]> = [
  ['truncated', line([span(BASE)]).slice(0, -3)],
  ['a trailing comma', line([span(`${BASE},`)])],
  ['a bad literal in a skipped member', line([span(`${BASE},"flags":tru`)])],
  ['a bad number in a skipped value', line([span(`${BASE},"attributes":[${attr('skip.x', '{"doubleValue":01}')}]`)])],
  ['a raw control character in a string', line([span(BASE.replace('chat m', 'chat\tm'))])],
  ['a bad escape', line([span(BASE.replace('chat m', 'chat\\qm'))])],
  ['a short traceId', line([span(BASE).replace(TRACE, TRACE.slice(2))])],
  ['a missing end time', line([`{"traceId":"${TRACE}","spanId":"${SPAN}","name":"n","startTimeUnixNano":"1"}`])],
  ['a time with a letter in it', line([span(BASE.replace('1777000000123456789', '17770000001234567x9'))])],
  ['a time with a letter among its first digits', line([span(BASE.replace('1777000000123456789', '1777x00000123456789'))])],
  ['times as numbers', line([`{"traceId":"${TRACE}","spanId":"${SPAN}","name":"n","startTimeUnixNano":1,"endTimeUnixNano":2}`])],
  ['a kind as a string', line([span(BASE.replace('"kind":3', '"kind":"SPAN_KIND_CLIENT"'))])],
  ['a repeated span member', line([span(`${BASE},"name":"again"`)])],
  ['the resource after its spans', `{"resourceSpans":[{"scopeSpans":[{"spans":[${span(BASE)}]}],"resource":{}}]}`],
  ['an attribute value before its key', line([span(`${BASE},"attributes":[{"value":{"stringValue":"v"},"key":"k"}]`)])],
  ['a kept array value', line([span(`${BASE},"attributes":[${attr('k', '{"arrayValue":{"values":[]}}')}]`)])],
  ['a kept double as a string', line([span(`${BASE},"attributes":[${attr('k', '{"doubleValue":"NaN"}')}]`)])],
  ['a kept value with two members', line([span(`${BASE},"attributes":[${attr('k', '{"stringValue":"a","intValue":"1"}')}]`)])],
  ['metrics, not traces', '{"resourceMetrics":[]}'],
  ['a blank line', '   '],
  ['text after the document', `${line([span(BASE)])} x`],
];

describe('scanTraceLine', () => {
  for (const [what, text] of TAKEN) {
    it(`reads ${what} as the reference reader does`, () => {
      const got = scan(text);
      expect(got).toBeDefined();
      expect(got).toStrictEqual(reference(text));
    });
  }

  for (const [what, text] of LEFT) {
    it(`leaves ${what} to the reference reader`, () => {
      expect(scan(text)).toBeUndefined();
    });
  }

  it('reads attributes whose order, names and types change from span to span (its guesses miss and recover)', () => {
    const shapes = [
      [attr('a', '{"stringValue":"x"}'), attr('ab', '{"intValue":"1"}'), attr('abc', '{"doubleValue":2.5}')],
      [attr('ab', '{"stringValue":"y"}'), attr('a', '{"intValue":"3"}'), attr('abc', '{"boolValue":false}')],
      [attr('a', '{"stringValue":"x"}'), attr('abc', '{"doubleValue":1}'), attr('ab', '{"intValue":"1"}'), attr('skip.z', '{"intValue":"9"}')],
      [attr('a', '{"intValue":"4"}'), attr('abcd', '{"stringValue":"w"}'), attr('ab ', '{"stringValue":"v"}')],
    ];
    const spans = Array.from({ length: 40 }, (_, i) => span(`${BASE},"attributes":[${shapes[(i * 7) % 4]!.join(',')}]`));
    const text = line(spans);
    expect(scan(text)).toStrictEqual(reference(text));
  });

  it('tells apart attribute heads and span members that differ in one byte anywhere (its in-place comparisons, 8 bytes at a time)', () => {
    // Keys of lengths around the comparison's word size, each one byte off the one before (first, middle, last byte).
    const keys = ['k', 'kk', 'kkkkkkk', 'kkkkkkkk', 'kkkkkkkkk', 'xkkkkkkkk', 'kkkkxkkkk', 'kkkkkkkkx', 'gen_ai.usage.input_tokens', 'gen_ai.usage.input_tokenz'];
    const values = ['{"stringValue":"v"}', '{"intValue":"1"}', '{"doubleValue":1}', '{"boolValue":true}'];
    const spans = Array.from({ length: 60 }, (_, i) => {
      const attrs = [0, 1, 2].map((j) => attr(keys[(i * 3 + j * 7) % keys.length]!, values[(i + j) % values.length]!));
      // Spans with and without a parent, with members in two orders.
      const parent = i % 3 === 0 ? '' : `"parentSpanId":"${SPAN.replace('b', 'd')}",`;
      return i % 5 === 0 ? `{"spanId":"${SPAN}","traceId":"${TRACE}",${parent}${BASE},"attributes":[${attrs.join(',')}]}` : span(`${parent}${BASE},"attributes":[${attrs.join(',')}]`);
    });
    const text = line(spans);
    expect(scan(text)).toStrictEqual(reference(text));
  });

  it('reads kept numbers of every form as JSON.parse does, and leaves malformed ones', () => {
    const good = ['0', '-0', '0.5', '10', '7', '123456789012345', '1234567890123456', '0.000001', '-3.5', '99.999', '1.25e2', '1E3', '-0.0', '3.000000000000001'];
    for (const n of good) {
      const text = line([span(`${BASE},"attributes":[${attr('d', `{"doubleValue":${n}}`)},${attr('i', `{"intValue":${n.includes('.') || /e/i.test(n) ? '1' : n}}`)}]`)]);
      expect(scan(text), n).toStrictEqual(reference(text));
    }
    for (const n of ['01', '-01', '00.5', '1.', '-', '.5', '1.e3', '+1', '1e', '0x1']) {
      expect(scan(line([span(`${BASE},"attributes":[${attr('d', `{"doubleValue":${n}}`)}]`)])), n).toBeUndefined();
    }
  });

  it('keeps -0 as -0 and long decimals as Number() reads them', () => {
    const text = line([span(`${BASE},"attributes":[${attr('z', '{"doubleValue":-0}')},${attr('p', '{"doubleValue":0.30000000000000004}')},${attr('q', '{"intValue":"9007199254740993"}')}]`)]);
    const attrs = scan(text)![0]!.attributes;
    expect(Object.is(attrs.z, -0)).toBe(true);
    expect(attrs.p).toBe(0.30000000000000004);
    expect(attrs.q).toBe(Number('9007199254740993'));
  });
});
