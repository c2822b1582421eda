// openjoules hooks openai first (ours inside the peer's wrapper): ours must step aside at call time.
// One file per order: each process has its require hooks in the order they were first registered.
import { describeOpenAIPeer } from './openai-peer-scenario.js';
import { officialOpenAI } from './openai-peers.js';

describeOpenAIPeer(officialOpenAI, 'openjoules-first');
