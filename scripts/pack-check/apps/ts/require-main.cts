// TypeScript CommonJS app: `import = require` of the ESM package (require(esm): Node >= 20.19, TypeScript >= 5.8 with
// NodeNext) and of `openjoules/register`'s CommonJS entry, typechecked against the packed .d.cts; run as
// build/require-main.cjs. Prints `done`.
import registration = require('openjoules/register');
import openjoules = require('openjoules');

async function main(): Promise<void> {
  await registration.openjoules?.ready;
  await openjoules.withAgentTurn({ agentName: 'ts-cjs-app', conversationId: 'conv-ts-cjs' }, () =>
    openjoules.withToolCall({ name: 'wait' }, () => new Promise((resolve) => setTimeout(resolve, 150))),
  );
  console.log('done');
}
main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
