// Test-only entry point: runs the `summary` command the way src/cli/main.ts will (citty runMain).
import { runMain } from 'citty';
import summaryCommand from '../../src/cli/summary.js';

await runMain(summaryCommand);
