// CommonJS app: `require('openjoules')` (require(esm), Node >= 20.19) and run a turn through the pipeline from the
// environment. Prints `ok <jsonl file>`.
const { startOpenJoules, withAgentTurn, withToolCall } = require('openjoules');

async function main() {
  const openjoules = await startOpenJoules({ serviceName: 'pack-cjs' });
  await withAgentTurn({ agentName: 'cjs-app', conversationId: 'conv-cjs' }, () =>
    withToolCall({ name: 'wait' }, () => new Promise((resolve) => setTimeout(resolve, 150))),
  );
  await openjoules.shutdown();
  console.log(`ok ${openjoules.jsonlFile}`);
}
main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
