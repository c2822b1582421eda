// Test-only entry point: runs the `stats` command the way src/cli/main.ts will (citty runMain).
import { runMain } from 'citty';
import statsCommand from '../../src/cli/stats.js';

await runMain(statsCommand);
