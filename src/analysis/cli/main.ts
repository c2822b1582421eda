#!/usr/bin/env node
/**
 * The `openjoules` command. Subcommands load lazily (commands.ts), so `openjoules --help` never loads koffi, sql.js,
 * apache-arrow or the SDK.
 */
import { processIo } from './io.js';
import { runCli } from './run-cli.js';

const io = processIo();
io.setExitCode?.(await runCli(process.argv.slice(2), io));
