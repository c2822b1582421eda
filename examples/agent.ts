/**
 * A small agent that needs no API key and no network: a local toy "model" that burns real CPU per token (so the
 * energy sources see work), three turns, parallel tool calls, a tool that calls a sub-model, a streaming answer and
 * one tool that fails. Instrumented with openjoules' span API only; where spans go is decided by whoever started
 * OpenTelemetry (see demo.ts, or run it with `node --import openjoules/register`).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { streamLlmCall, withAgentTurn, withLlmCall, withSubModelCall, withToolCall, type LlmCallHandle } from 'openjoules';

const PROVIDER = 'local';
const MODEL = 'toy-lm-1b';
const SMALL_MODEL = 'toy-lm-100m';

/** Burns CPU for about `ms` milliseconds, a stand-in for matrix multiplies. */
function compute(ms: number): number {
  const until = performance.now() + ms;
  let x = 0;
  while (performance.now() < until) for (let i = 0; i < 10_000; i++) x = (x * 31 + i) % 1_000_003;
  return x;
}

function countTokens(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

/** One non-streaming completion: prefill cost grows with the prompt, decode with the answer. */
async function complete(call: LlmCallHandle, prompt: string, answer: string, msPerToken = 2, model = MODEL): Promise<string> {
  const inputTokens = countTokens(prompt);
  const outputTokens = countTokens(answer);
  compute(inputTokens * 0.2);
  for (let i = 0; i < outputTokens; i++) {
    compute(msPerToken);
    if (i % 8 === 7) await sleep(1); // yield like a real client waiting on the network
  }
  call.setUsage({ inputTokens, outputTokens }).setResponse({ id: `resp-${Math.floor(Math.random() * 1e9)}`, model, finishReasons: ['stop'] });
  call.setCost((inputTokens * 0.5 + outputTokens * 1.5) / 1e6);
  call.recordInput([{ role: 'user', content: prompt }]);
  call.recordOutput([{ role: 'assistant', content: answer }]);
  return answer;
}

/** A streamed answer: yields words as a provider's SSE stream would, the last chunk carrying usage. */
async function* streamAnswer(prompt: string, answer: string): AsyncGenerator<{ text?: string; usage?: { input: number; output: number } }> {
  compute(countTokens(prompt) * 0.3); // prefill: nothing arrives until the prompt is processed
  const words = answer.split(' ');
  for (const word of words) {
    compute(3);
    await sleep(2);
    yield { text: word + ' ' };
  }
  yield { usage: { input: countTokens(prompt), output: words.length } };
}

/** Result of one demo run. */
export interface AgentRunResult {
  readonly conversationId: string;
  readonly answers: string[];
  readonly failedTools: string[];
}

/** Runs the three-turn demo conversation. Resolves when every span has ended. */
export async function runDemoAgent(conversationId = `demo-${Date.now().toString(36)}`): Promise<AgentRunResult> {
  const answers: string[] = [];
  const failedTools: string[] = [];
  const common = { agentName: 'travel-planner', agentId: 'agent-7', conversationId, userId: 'user-42', provider: PROVIDER };

  // Turn 0: the model asks for two tools, which run in parallel.
  answers.push(
    await withAgentTurn({ ...common, turnIndex: 0 }, async () => {
      await withLlmCall({ provider: PROVIDER, model: MODEL }, (call) =>
        complete(call, 'Plan a two day trip to Lisbon in May with a budget', 'call search and calculator'),
      );
      const [hotels, budget] = await Promise.all([
        withToolCall({ name: 'search', callId: 'call-1', type: 'function', arguments: { q: 'Lisbon hotels' } }, async (tool) => {
          compute(40);
          await sleep(30);
          const result = ['Hotel Avenida', 'Casa do Rio'];
          tool.recordResult(result);
          return result;
        }),
        withToolCall({ name: 'calculator', callId: 'call-2', type: 'function', arguments: { expr: '2*120+80' } }, async () => {
          compute(10);
          await sleep(5);
          return 2 * 120 + 80;
        }),
      ]);
      return withLlmCall({ provider: PROVIDER, model: MODEL }, (call) =>
        complete(call, `Hotels ${hotels.join(', ')} cost ${budget}`, `Stay at ${hotels[0]} for about ${budget} euros in total for two nights`),
      );
    }),
  );

  // Turn 1: a tool that summarises with a smaller model (a sub-model call), then a streamed answer.
  answers.push(
    await withAgentTurn({ ...common, turnIndex: 1 }, async () => {
      const summary = await withToolCall({ name: 'summarize_reviews', callId: 'call-3', type: 'function' }, () =>
        withSubModelCall({ provider: PROVIDER, model: SMALL_MODEL, inProcess: true }, (call) =>
          complete(call, 'Reviews: clean rooms, great breakfast, noisy street, friendly staff', 'clean and friendly but noisy', 1, SMALL_MODEL),
        ),
      );
      let text = '';
      const stream = streamLlmCall(
        { provider: PROVIDER, model: MODEL },
        streamAnswer(`Summarise for the user: ${summary}`, 'Reviews say the hotel is clean and friendly though the street can be noisy at night'),
        (chunk, call) => {
          if (chunk.usage) call.setUsage({ inputTokens: chunk.usage.input, outputTokens: chunk.usage.output });
        },
      );
      for await (const chunk of stream) text += chunk.text ?? '';
      return text.trim();
    }),
  );

  // Turn 2: a tool fails; the agent records it and answers anyway.
  answers.push(
    await withAgentTurn({ ...common, turnIndex: 2 }, async () => {
      try {
        await withToolCall({ name: 'fetch_weather', callId: 'call-4', type: 'function' }, async () => {
          compute(5);
          await sleep(10);
          throw Object.assign(new Error('weather service unreachable'), { code: 'ECONNREFUSED' });
        });
      } catch {
        failedTools.push('fetch_weather');
      }
      return withLlmCall({ provider: PROVIDER, model: MODEL }, (call) =>
        complete(call, 'Weather unavailable; give a packing tip for Lisbon in May', 'Pack a light jacket for the evenings'),
      );
    }),
  );

  return { conversationId, answers, failedTools };
}
