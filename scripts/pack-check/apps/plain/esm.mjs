// ESM app: `import` both entry points, trace a turn with the pipeline from the environment, then read the spans back
// with the analysis entry. Prints `spans=N energy=M` (M: spans carrying energy.joules).
import { startOpenJoules, withAgentTurn, withToolCall } from 'openjoules';
import { readSpanRecords } from 'openjoules/analysis';

const openjoules = await startOpenJoules({ serviceName: 'pack-esm' });
await withAgentTurn({ agentName: 'esm-app', conversationId: 'conv-esm' }, () =>
  withToolCall({ name: 'wait' }, () => new Promise((resolve) => setTimeout(resolve, 150))),
);
await openjoules.shutdown();

let spans = 0;
let energy = 0;
for await (const span of readSpanRecords([openjoules.jsonlFile])) {
  spans++;
  if (typeof span.attributes['energy.joules'] === 'number') energy++;
}
console.log(`spans=${spans} energy=${energy}`);
