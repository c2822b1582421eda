// The calls an app makes in each peer scenario, each in its own agent turn, and what the app got back (as JSON).
import { withAgentTurn } from '../../../src/runtime/api/agent-spans.js';
import type { OpenAIClass } from './fresh-openai.js';

/** What each call is, in call order (turnIndex = position). */
export const CALLS = ['chat', 'chat stream', 'responses'] as const;

/** Turn name of every call's agent turn. */
export const TURN_NAME = 'invoke_agent peer-app';

/** Test API key: must appear in no span. */
export const API_KEY = 'sk-test-SECRETSECRETSECRET1234';

const json = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

/** Makes the calls of {@link CALLS} with `OpenAI` against the fake provider; returns what the app saw. */
export async function makeCalls(OpenAI: OpenAIClass, url: string): Promise<Record<string, unknown>> {
  const client = new OpenAI({ apiKey: API_KEY, baseURL: `${url}/v1`, maxRetries: 0 });
  const seen: Record<string, unknown> = {};
  await withAgentTurn({ agentName: 'peer-app', turnIndex: 0 }, async () => {
    seen.chat = json(await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], max_tokens: 50 }));
  });
  await withAgentTurn({ agentName: 'peer-app', turnIndex: 1 }, async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'stream please' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: unknown[] = [];
    for await (const chunk of stream) chunks.push(json(chunk));
    seen.stream = chunks;
  });
  await withAgentTurn({ agentName: 'peer-app', turnIndex: 2 }, async () => {
    seen.responses = json(await client.responses.create({ model: 'gpt-4.1', input: 'hello' }));
  });
  return seen;
}
