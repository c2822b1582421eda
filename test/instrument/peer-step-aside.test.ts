// The step-aside rule, one detection at a time, on the real openai client (v7) and the fake server. The "peer" is an
// InstrumentationBase of its own wrapping the method with `_wrap` (shimmer), the way every peer instrumentation does;
// test/instrument/peers/ runs the real peer libraries.
import { context, trace, type Span } from '@opentelemetry/api';
import { InstrumentationBase, type InstrumentationNodeModuleDefinition } from '@opentelemetry/instrumentation';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { instrumentOpenAI } from '../../src/runtime/instrument/manual.js';
import { unpatchOpenAI } from '../../src/runtime/instrument/openai.js';
import { isWrapped } from '../../src/runtime/instrument/wrap.js';
import { setupTracing } from '../helpers/tracing.js';
import { startFakeProvider, type FakeProvider } from './fake-providers.js';

type Create = (this: unknown, ...args: unknown[]) => Promise<unknown>;
const completions = OpenAI.Chat.Completions.prototype as unknown as { create: Create };

/**
 * A peer instrumentation: its chat span around the call. Its scope is not one openjoules knows, so only its wrapper
 * tells that it is there.
 */
class PeerInstrumentation extends InstrumentationBase {
  constructor() {
    super('example-peer-instrumentation', '0.0.0-test', { enabled: false });
  }
  protected init(): InstrumentationNodeModuleDefinition[] {
    return [];
  }
  wrapCreate(): void {
    const tracer = this.tracer;
    this._wrap(completions, 'create', (original: Create) =>
      function create(this: unknown, ...args: unknown[]) {
        const span = tracer.startSpan('peer chat');
        return context.with(trace.setSpan(context.active(), span), () => original.apply(this, args)).finally(() => span.end());
      },
    );
  }
  unwrapCreate(): void {
    this._unwrap(completions, 'create');
  }
}

const tracing = setupTracing();
const bare = completions.create;
let fake: FakeProvider;
let client: OpenAI;
beforeAll(async () => {
  fake = await startFakeProvider();
  client = new OpenAI({ apiKey: 'sk-x', baseURL: `${fake.url}/v1` });
});
beforeEach(() => {
  unpatchOpenAI(OpenAI);
  completions.create = bare;
  tracing.reset();
});
afterAll(async () => {
  completions.create = bare;
  await fake.close();
});

const chat = async (): Promise<string | null | undefined> =>
  (await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] })).choices[0]?.message.content;
const spanNames = (): string[] => tracing.spans().map((s) => `${s.instrumentationScope.name}: ${s.name}`);

describe('openjoules steps aside where a peer traces the call', () => {
  it('patch time: the method is already a peer wrapper, so ours does not wrap it', async () => {
    const peer = new PeerInstrumentation();
    peer.wrapCreate();
    instrumentOpenAI(OpenAI);
    expect(isWrapped(completions, 'create')).toBe(false);
    expect(await chat()).toBe('Hello world');
    expect(spanNames()).toEqual(['example-peer-instrumentation: peer chat']);
  });

  it('call time: a peer wrapped ours; ours traces again once the peer unwraps', async () => {
    instrumentOpenAI(OpenAI);
    const peer = new PeerInstrumentation();
    peer.wrapCreate();
    instrumentOpenAI(OpenAI); // sees ours under the peer's wrapper: no third layer
    expect(await chat()).toBe('Hello world');
    expect(spanNames()).toEqual(['example-peer-instrumentation: peer chat']);
    tracing.reset();
    peer.unwrapCreate();
    expect(await chat()).toBe('Hello world');
    expect(spanNames()).toEqual(['openjoules: chat gpt-4o']);
  });

  it("call time: a known peer's span is active (a peer that patched some other way); an app span is not a peer's", async () => {
    instrumentOpenAI(OpenAI);
    const inSpan = async (scope: string): Promise<void> => {
      const span: Span = trace.getTracer(scope).startSpan('outer');
      await context.with(trace.setSpan(context.active(), span), chat);
      span.end();
    };
    await inSpan('@traceloop/instrumentation-openai');
    expect(spanNames()).toEqual(['@traceloop/instrumentation-openai: outer']);
    tracing.reset();
    await inSpan('my-app');
    expect(spanNames()).toEqual(['openjoules: chat gpt-4o', 'my-app: outer']);
  });

  it('unpatching ours under a peer retires it (calls through); patching again brings it back', async () => {
    instrumentOpenAI(OpenAI);
    const peer = new PeerInstrumentation();
    peer.wrapCreate();
    unpatchOpenAI(OpenAI); // ours cannot come out from under the peer's wrapper
    peer.unwrapCreate();
    expect(await chat()).toBe('Hello world');
    expect(spanNames()).toEqual([]);
    instrumentOpenAI(OpenAI);
    expect(await chat()).toBe('Hello world');
    expect(spanNames()).toEqual(['openjoules: chat gpt-4o']);
  });
});
