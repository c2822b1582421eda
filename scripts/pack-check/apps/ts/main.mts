// TypeScript ESM app, typechecked against the packed types (NodeNext): both import entry points and the register
// entry's type, then run as build/main.mjs. Prints `spans=N energy=M`.
import { startOpenJoules, withAgentTurn, withToolCall, type OpenJoules, type ToolCallHandle } from 'openjoules';
import { readSpanRecords, type SpanRecord } from 'openjoules/analysis';

type RegisterEntry = typeof import('openjoules/register');
const registered: RegisterEntry['openjoules'] = undefined; // what `--import openjoules/register` exports
void registered;

const openjoules: OpenJoules = await startOpenJoules({ serviceName: 'pack-ts' });
await withAgentTurn({ agentName: 'ts-app', conversationId: 'conv-ts' }, () =>
  withToolCall({ name: 'wait' }, async (tool: ToolCallHandle) => {
    await new Promise((resolve) => setTimeout(resolve, 150));
    return tool;
  }),
);
await openjoules.shutdown();

const spans: SpanRecord[] = [];
for await (const span of readSpanRecords([openjoules.jsonlFile ?? ''])) spans.push(span);
const energy = spans.filter((s) => typeof s.attributes['energy.joules'] === 'number').length;
console.log(`spans=${spans.length} energy=${energy}`);
