// Test-only entry point: runs the `report` command the way src/cli/main.ts will (citty runMain).
import { runMain } from 'citty';
import reportCommand from '../../src/cli/report.js';

await runMain(reportCommand);
