import { renderUsage, runCommand, type CommandDef } from 'citty';
import { TRACER_VERSION } from '../../runtime/api/tracer.js';
import { COMMANDS, type CommandName } from './commands.js';
import { exitCodeOf, type CliResult } from './command.js';
import { EXIT } from './exit-codes.js';
import { say, type CommandIo } from './io.js';

const ROOT_META = {
  name: 'openjoules',
  version: TRACER_VERSION,
  description: 'Joules for every step an AI agent takes: OpenTelemetry spans with energy, and the KPIs built from them.',
};

/** The root command as `--help` shows it: every subcommand by name and description, none of them loaded. */
const ROOT_FOR_HELP: CommandDef = {
  meta: ROOT_META,
  subCommands: Object.fromEntries(Object.entries(COMMANDS).map(([name, c]) => [name, { meta: { name, description: c.description } }])),
};

/**
 * Runs `openjoules <command> …` and returns the exit status (see exit-codes.ts): `--help` and `--version` print to
 * stdout and exit 0; no command, an unknown command, or citty's own usage errors print the usage to stderr and
 * exit 2. Only the named command's module is loaded.
 */
export async function runCli(rawArgs: readonly string[], io: CommandIo): Promise<number> {
  const [first, ...rest] = rawArgs;
  if (first === '--help' || first === '-h') {
    say(io.stdout, await renderUsage(ROOT_FOR_HELP));
    return EXIT.OK;
  }
  if ((first === '--version' || first === '-v') && rest.length === 0) {
    say(io.stdout, TRACER_VERSION);
    return EXIT.OK;
  }
  const entry = first !== undefined && Object.hasOwn(COMMANDS, first) ? COMMANDS[first as CommandName] : undefined;
  if (entry === undefined) {
    say(io.stderr, await renderUsage(ROOT_FOR_HELP));
    say(io.stderr, first === undefined ? '\nopenjoules: no command given' : `\nopenjoules: unknown command "${first}"`);
    return EXIT.FAILED;
  }
  return runCommandLine(await entry.load(), rest, io, ROOT_FOR_HELP);
}

/**
 * Runs one command with its part of the command line: `--help`/`-h` prints its usage; a usage error citty finds (a
 * missing required option, a value outside an enum) prints the usage to stderr and exits 2; anything else is the
 * command's own status.
 */
async function runCommandLine(command: CommandDef, rawArgs: readonly string[], io: CommandIo, parent?: CommandDef): Promise<number> {
  const end = rawArgs.indexOf('--');
  const flags = end === -1 ? rawArgs : rawArgs.slice(0, end);
  if (flags.includes('--help') || flags.includes('-h')) {
    say(io.stdout, await renderUsage(command, parent));
    return EXIT.OK;
  }
  try {
    const { result } = await runCommand(command, { rawArgs: [...rawArgs], data: io });
    return result === undefined ? EXIT.OK : exitCodeOf(result as CliResult);
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'CLIError') say(io.stderr, await renderUsage(command, parent));
    say(io.stderr, `openjoules: ${(error as Error).message}`);
    return EXIT.FAILED;
  }
}
