// Test-only entry point: runs the `export` command the way src/cli/main.ts will (citty runMain).
import { runMain } from 'citty';
import exportCommand from '../../src/cli/export.js';

await runMain(exportCommand);
