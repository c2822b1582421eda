// The peer hooks openai first (its wrapper inside ours): ours must not wrap it.
// One file per order: each process has its require hooks in the order they were first registered.
import { describeOpenAIPeer } from './openai-peer-scenario.js';
import { openLLMetryOpenAI } from './openai-peers.js';

describeOpenAIPeer(openLLMetryOpenAI, 'peer-first');
