// Zero-code ESM app: `node --import openjoules/register zero-code.mjs`; no OpenTelemetry setup of its own.
import { withAgentTurn, withLlmCall, withToolCall } from 'openjoules';

await withAgentTurn({ agentName: 'zero-esm', conversationId: 'conv-zero-esm' }, async () => {
  await withLlmCall({ provider: 'local', model: 'm' }, async (call) => {
    await new Promise((resolve) => setTimeout(resolve, 120));
    call.setUsage({ inputTokens: 10, outputTokens: 5 });
  });
  await withToolCall({ name: 'wait' }, () => new Promise((resolve) => setTimeout(resolve, 150)));
});
console.log('done');
