// The processor uses the public OpenTelemetry SDK API only: no `_`-prefixed (SDK-private) field of a span or span
// context is read or written, nothing is put on span contexts. Checked two ways: at run time, with every span and span
// context the processor sees behind a Proxy that records such accesses; and in the source, for what a Proxy cannot see
// (private class fields added to an object through a constructor returning it).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { BatchSpanProcessor, InMemorySpanExporter, TracerProvider, type Span, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startInProcessSampler, type InProcessSampler } from '../../src/runtime/energy/sampler/sampler.js';
import { SimulatedEnergySource } from '../../src/runtime/energy/sources/simulated.js';
import { ATTR_ENERGY_JOULES } from '../../src/semconv.js';
import { EnergySpanProcessor, type EnergySpanProcessorOptions } from '../../src/runtime/span-processor/energy-span-processor.js';
import { repoRoot } from '../helpers/build.js';
import { PrivateFieldGuard } from './private-field-guard.js';

const samplers: InProcessSampler[] = [];
afterEach(async () => {
  for (const s of samplers.splice(0)) await s.shutdown();
});

/** Runs an agent turn through the processor behind the guard; returns what the guard saw and what was exported. */
async function guarded(options: Omit<EnergySpanProcessorOptions, 'timeline' | 'next'>, beside: boolean) {
  const sampler = startInProcessSampler([new SimulatedEnergySource({ devices: [{ power: 150 }] })], { sampleIntervalMs: 2 });
  samplers.push(sampler);
  await vi.waitFor(() => expect(sampler.timeline.coveredUntilAll()).toBeGreaterThan(-Infinity), { timeout: 5000, interval: 5 });
  const exporter = new InMemorySpanExporter();
  const batch = new BatchSpanProcessor({ exporter, scheduledDelayMillis: 5 });
  const energy = new EnergySpanProcessor({ ...options, timeline: sampler.timeline, ...(beside ? {} : { next: batch }), pollIntervalMs: 2 });
  const guard = new PrivateFieldGuard(energy);
  const provider = new TracerProvider({ spanProcessors: beside ? [guard, batch] : [guard] });
  const tracer = provider.getTracer('guarded');
  const turn = tracer.startSpan('turn');
  const ctx = trace.setSpan(ROOT_CONTEXT, turn);
  const client = tracer.startSpan('GET /tool', { kind: SpanKind.CLIENT }, ctx);
  const explicit = tracer.startSpan('explicit times', { startTime: Date.now() - 50 }, ctx);
  await new Promise((r) => setTimeout(r, 20));
  explicit.end(Date.now() - 5);
  client.end();
  turn.end();
  await provider.forceFlush();
  const spans = exporter.getFinishedSpans(); // before shutdown, which empties the exporter
  await provider.shutdown();
  return { touched: [...guard.touched], spans };
}

describe('EnergySpanProcessor touches no SDK-private field', () => {
  for (const [mode, options, beside] of [
    ["wrapping, finalize 'exact' (held, passed on as a view)", { finalize: 'exact' }, false],
    ["wrapping, finalize 'immediate' (set on the live span)", { finalize: 'immediate' }, false],
    ['beside the exporter', {}, true],
  ] as const) {
    it(`${mode}: no _field of a span or span context read or written, and the spans carry joules`, async () => {
      const { touched, spans } = await guarded(options, beside);
      expect(touched).toEqual([]);
      expect(spans.map((s) => s.name).sort()).toEqual(['GET /tool', 'explicit times', 'turn']);
      for (const span of spans) expect(span.attributes[ATTR_ENERGY_JOULES], span.name).toBeGreaterThan(0);
    });
  }

  it('the guard does catch a processor that reads a private field or puts a property on a span context', async () => {
    class Peeking implements SpanProcessor {
      onStart(span: Span): void {
        void (span as unknown as { _spanLimits: unknown })._spanLimits;
        (span.spanContext() as unknown as Record<symbol, number>)[Symbol.for('slot')] = 1;
      }
      onEnd(): void {}
      forceFlush = (): Promise<void> => Promise.resolve();
      shutdown = (): Promise<void> => Promise.resolve();
    }
    const guard = new PrivateFieldGuard(new Peeking());
    new TracerProvider({ spanProcessors: [guard] }).getTracer('t').startSpan('s').end();
    expect([...guard.touched].sort()).toEqual(['read span._spanLimits', 'write spanContext.Symbol(slot)']);
  });
});

describe('the source reaches into no SDK object', () => {
  /** Files on the span path, and any file that imports an OpenTelemetry SDK package. */
  function sdkFacingSources(): Array<{ file: string; text: string }> {
    const out: Array<{ file: string; text: string }> = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (entry.name.endsWith('.ts')) {
          const text = readFileSync(path, 'utf8');
          const file = path.slice(repoRoot.length + 1);
          if (file.startsWith(join('src', 'runtime', 'span-processor')) || /from '@opentelemetry\/sdk-/.test(text)) out.push({ file, text });
        }
      }
    };
    walk(join(repoRoot, 'src'));
    return out;
  }

  /** Code only: comments and string contents blanked (keeping line numbers), so prose about fields does not count. */
  function code(text: string): string {
    return text
      .replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' '))
      .replace(/\/\/.*$/gm, '')
      .replace(/'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"/g, (s) => (s.slice(1, -1).startsWith('_') ? s : `'${' '.repeat(s.length - 2)}'`));
  }

  const RULES: Array<[string, RegExp]> = [
    // `span._x`, `sdk?._x`, `(x as Y)._x`: a `_` member of anything but `this`.
    ['a _field of another object', /(?<![\w$])(?!this\b)[\w$)\]]+\??\.(_[A-Za-z]\w*)/g],
    // `span['_x']`
    ['a _field by name', /\[\s*['"](_\w+)['"]\s*\]/g],
    // A type spelling out an SDK object's private fields to cast to: `{ _attributesCount?: number }`.
    ['a type naming a _field', /[{;,]\s*(?:readonly\s+)?(_[A-Za-z]\w*)\??\s*:(?![^\n]*=>)/g],
    // A base constructor returning the object it is given, so a subclass's private fields land on someone else's object.
    ['a constructor returning another object', /(as unknown as new\s*\()/g],
  ];

  it('no _field of another object, by member or by name, no type for one, no fields put onto others\' objects', () => {
    const files = sdkFacingSources();
    expect(files.length).toBeGreaterThan(5);
    const found: string[] = [];
    for (const { file, text } of files) {
      const lines = code(text).split('\n');
      lines.forEach((line, i) => {
        for (const [rule, pattern] of RULES) {
          for (const m of line.matchAll(pattern)) {
            // `private _x:` and `private readonly _x =` declare our own fields.
            if (rule === 'a type naming a _field' && /\b(private|protected)\b/.test(line)) continue;
            found.push(`${file}:${i + 1}: ${rule}: ${m[1]}`);
          }
        }
      });
    }
    expect(found).toEqual([]);
  });

  it('the rules catch what the processor once did', () => {
    const once = [
      'const sdk = span as unknown as { _performanceOffset?: unknown };',
      'if (typeof sdk._attributesCount === "number") sdk._attributesCount += count;',
      "const limits = span['_spanLimits'];",
      'interface SdkSpanFields {\n  _ended?: unknown;\n}',
      'const ReturnsGiven = function (given: object): object { return given; } as unknown as new (given: object) => object;',
    ].join('\n');
    const hits = RULES.flatMap(([rule, pattern]) => [...code(once).matchAll(pattern)].map((m) => `${rule}: ${m[1]}`));
    expect(hits).toEqual([
      'a _field of another object: _attributesCount',
      'a _field of another object: _attributesCount',
      'a _field by name: _spanLimits',
      'a type naming a _field: _performanceOffset',
      'a type naming a _field: _ended',
      'a constructor returning another object: as unknown as new (',
    ]);
  });
});
