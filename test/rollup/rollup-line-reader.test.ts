// The rollup's line reader (attributes straight from the scanner into GenAI views and checks) against the record
// path it replaces: readLineSpans keeping the rollup's attributes, validateRollupSpan, then readGenAiSpan of each span
// kept. Same views (but for their records' attributes), flags, issues in the same order, and readings.
import { describe, expect, it } from 'vitest';
import { readGenAiSpan, type GenAiSpan } from '../../src/analysis/model/genai-span.js';
import { readLineSpans, SpanInputError } from '../../src/analysis/otlp/read-spans.js';
import { NO_ATTRIBUTES } from '../../src/analysis/otlp/scan-spans.js';
import type { ReadIssue } from '../../src/analysis/otlp/span-record.js';
import { REGENERATED, RollupLineReader } from '../../src/analysis/rollup/rollup-line-reader.js';
import { rollupReadsAttribute, validateRollupSpan } from '../../src/analysis/rollup/span-schema.js';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const attr = (key: string, value: string): string => `{"key":"${key}","value":${value}}`;
const str = (key: string, value: string): string => attr(key, `{"stringValue":"${value}"}`);
const int = (key: string, value: number): string => attr(key, `{"intValue":"${value}"}`);
const dbl = (key: string, value: number): string => attr(key, `{"doubleValue":${value}}`);

let nextSpan = 1;
function span(name: string, attrs: string[], extra = '', parent = 'aaaaaaaaaaaaaaaa'): string {
  const id = (nextSpan++).toString(16).padStart(16, '0');
  return `{"traceId":"${TRACE}","spanId":"${id}","parentSpanId":"${parent}","flags":1,"name":"${name}","kind":3,` +
    `"startTimeUnixNano":"1777000000${String(nextSpan).padStart(9, '0')}","endTimeUnixNano":"1777000001000000000","attributes":[${attrs.join(',')}]${extra}}`;
}
function line(spans: string[], resource = [str('service.name', 'agent'), str('user.id', 'u-res')]): string {
  return `{"resourceSpans":[{"resource":{"attributes":[${resource.join(',')}]},"scopeSpans":[{"scope":{"name":"s","version":"1"},"spans":[${spans.join(',')}]}]}]}`;
}

const ENERGY = [dbl('energy.joules', 10.5), dbl('energy.gpu.joules', 8), dbl('energy.cpu.joules', 2.5), dbl('energy.attributed.joules', 6), str('energy.source', 'nvml')];
const chat = (extra: string[] = []): string =>
  span('chat m', [str('gen_ai.operation.name', 'chat'), str('gen_ai.provider.name', 'p'), int('gen_ai.usage.input_tokens', 100), int('gen_ai.usage.output_tokens', 20),
    int('gen_ai.usage.cache_read.input_tokens', 5), dbl('openjoules.cost.usd', 0.01), str('gen_ai.conversation.id', 'c1'), ...ENERGY, ...extra]);
const tool = (extra: string[] = []): string =>
  span('execute_tool bash', [str('gen_ai.operation.name', 'execute_tool'), str('gen_ai.tool.name', 'bash'), str('gen_ai.tool.call.id', 'x'), str('gen_ai.conversation.id', 'c1'), ...ENERGY, ...extra]);
const agent = (extra: string[] = []): string =>
  span('invoke_agent a', [str('gen_ai.operation.name', 'invoke_agent'), str('gen_ai.conversation.id', 'c1'), str('user.id', 'u1'), ...extra], ',"status":{"code":2,"message":"boom"}', '');

const LINES: Array<[string, string, boolean]> = [
  ['model, tool and agent spans (regenerated, failed, span and resource users)', line([chat(), tool(), chat(), agent([attr('openjoules.turn.regenerated', '{"boolValue":true}')]), tool([str('user.id', '')])]), true],
  ['peers\' conventions and precedence', line([span('llm', [str('openinference.span.kind', 'LLM'), int('llm.token_count.prompt', 7), int('gen_ai.usage.input_tokens', 9), str('session.id', 's9'),
    dbl('energy.remote.joules', 3), dbl('energy.remote.min_joules', 1), dbl('energy.remote.max_joules', 5), str('gen_ai.operation.name', '')])]), true],
  ['a wrong type and an unknown name of ours, the first reported', line([chat([str('energy.bogus', 'x'), str('gen_ai.usage.cache_creation.input_tokens', 'many')]), tool(), chat([str('openjoules.turn.regenerated', 'yes')]), tool([attr('gen_ai.usage.cache_creation.input_tokens', '{"doubleValue":1.5}')])]), true],
  ['a bad feedback event', line([tool(), agent([]).replace(/}$/, ',"events":[{"timeUnixNano":"1777000000500000000","name":"openjoules.feedback","attributes":[{"key":"openjoules.feedback.rating","value":{"stringValue":"meh"}}]}]}')]), true],
  ['device readings', line([chat([str('energy.device.ids', 'gpu0')]), tool()]), true],
  ['a repeated attribute key (the record way)', line([chat(), chat([str('gen_ai.conversation.id', 'c2')])]), false],
  ['malformed JSON (the record way)', line([chat()]).slice(0, -2), false],
  ['a blank line', '  ', false],
];

interface Read {
  views: GenAiSpan[];
  flags: number[];
  issues: ReadIssue[];
  readings: boolean;
}

/** A view without its record's attributes (the reader's records carry none). */
function bare(view: GenAiSpan): unknown {
  return { ...view, span: { ...view.span, attributes: undefined } };
}

function byRecords(text: string, strict = false): Read {
  const bytes = Buffer.from(text);
  const issues: ReadIssue[] = [];
  let readings = false;
  const validate = (s: Parameters<typeof validateRollupSpan>[0]): string | undefined => {
    if (s.attributes['energy.device.ids'] !== undefined) readings = true;
    return validateRollupSpan(s);
  };
  const spans = readLineSpans(bytes, 0, bytes.length, 'in.jsonl', 7, rollupReadsAttribute, { strict, onIssue: (i) => issues.push(i), validate });
  return { views: spans.map((s) => readGenAiSpan(s)), flags: spans.map((s) => (s.attributes['openjoules.turn.regenerated'] === true ? REGENERATED : 0)), issues, readings };
}

function byReader(reader: RollupLineReader, text: string, strict = false): Read {
  const bytes = Buffer.from(`x${text}\ny`);
  const issues: ReadIssue[] = [];
  reader.read(bytes, 1, 1 + Buffer.byteLength(text), 'in.jsonl', 7, { strict, onIssue: (i) => issues.push(i) });
  return { views: [...reader.views], flags: [...reader.flags], issues, readings: reader.readings };
}

describe('RollupLineReader', () => {
  for (const [what, text, direct] of LINES) {
    it(`reads ${what} as the record path does`, () => {
      const want = byRecords(text);
      const got = byReader(new RollupLineReader(), text);
      expect(got.views.map(bare)).toStrictEqual(want.views.map(bare));
      expect(got.flags).toStrictEqual(want.flags);
      expect(got.issues).toStrictEqual(want.issues);
      expect(got.readings).toBe(want.readings);
      // The direct way was taken where the line allows it: its records carry no attributes.
      if (got.views.length > 0) expect(got.views.every((v) => v.span.attributes === NO_ATTRIBUTES)).toBe(direct);
    });
  }

  it('reads a run of lines with one reader as with fresh ones (its codes and per-span state carry over)', () => {
    const reader = new RollupLineReader();
    let issues = 0;
    for (const [, text] of [...LINES, ...LINES]) {
      const want = byRecords(text);
      const got = byReader(reader, text);
      issues += got.issues.length;
      expect(got.views.map(bare)).toStrictEqual(want.views.map(bare));
      expect(got.flags).toStrictEqual(want.flags);
      expect(got.issues).toStrictEqual(want.issues);
    }
    expect(reader.readings).toBe(true);
    // Two unknown-or-mistyped spans, one bad event and one malformed line per pass.
    expect(issues).toBe(2 * 5);
  });

  it('throws the first issue in strict mode, as the record path', () => {
    const text = LINES[2]![1];
    const thrown = (read: () => unknown): unknown => {
      try {
        read();
      } catch (error) {
        return error;
      }
      return undefined;
    };
    const want = thrown(() => byRecords(text, true));
    const got = thrown(() => byReader(new RollupLineReader(), text, true));
    expect(want).toBeInstanceOf(SpanInputError);
    expect(got).toBeInstanceOf(SpanInputError);
    expect((got as SpanInputError).issue).toStrictEqual((want as SpanInputError).issue);
  });
});
