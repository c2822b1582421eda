// Zero-code CommonJS app: `node -r openjoules/register zero-code.cjs`. Its timers must fire: the process stays alive
// until its own work is done, then exits 0 after the flush. `-r` cannot wait for the energy sampler, so the first turn
// starts before it is ready; the second starts after `openjoules.ready` (requiring the entry again returns the same
// registration), the way a CommonJS app makes sure its spans carry joules.
const { withAgentTurn, withToolCall } = require('openjoules');
const { openjoules } = require('openjoules/register');

const turn = (name) =>
  withAgentTurn({ agentName: name, conversationId: 'conv-zero-cjs' }, () =>
    withToolCall({ name: `wait-${name}` }, () => new Promise((resolve) => setTimeout(resolve, 150))),
  );

setTimeout(async () => {
  await turn('zero-cjs-early');
  await openjoules?.ready;
  await turn('zero-cjs');
  console.log('done');
}, 10);
