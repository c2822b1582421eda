import { defineCommand, type ArgsDef, type CommandDef, type CommandMeta, type ParsedArgs } from 'citty';
import { EXIT } from './exit-codes.js';
import { collectInputs } from './inputs.js';
import { processIo, say, type CommandIo } from './io.js';
import { unknownFlag, valueFlags } from './options.js';

/** What an openjoules command's body gets. */
export interface CliContext<A extends ArgsDef> {
  readonly args: ParsedArgs<A>;
  readonly rawArgs: readonly string[];
  /** The `--input`/`-i` values and positional arguments of `rawArgs`, in order. */
  readonly inputs: string[];
  /** {@link inputs} of another slice of the command line (a command that takes a leading word, like `stats ingest`). */
  readonly inputsOf: (rawArgs: readonly string[]) => string[];
  readonly io: CommandIo;
}

/** A command's result: its exit status, or an object carrying it (returned to callers of citty's `runCommand`). */
export type CliResult = number | { readonly exitCode: number };

/** An openjoules command: citty's definition plus the body that does the work. */
export interface CliCommandSpec<A extends ArgsDef, R extends CliResult> {
  readonly meta: CommandMeta & { readonly name: string };
  readonly args: A;
  run(context: CliContext<A>): Promise<R>;
}

/**
 * Defines a command the openjoules way: it gets its IO from citty's `data` (the real process when run without), an
 * unknown option is a usage error (exit 2) instead of a stray input, its inputs are collected with the value options
 * derived from its own `args`, and its exit status goes to `io.setExitCode`.
 */
export function defineCliCommand<A extends ArgsDef, R extends CliResult>(spec: CliCommandSpec<A, R>): CommandDef<A> {
  const takesValue = valueFlags(spec.args);
  return defineCommand<A>({
    meta: spec.meta,
    args: spec.args,
    async run({ args, rawArgs, data }) {
      const io = isCommandIo(data) ? data : processIo();
      const unknown = unknownFlag(rawArgs, spec.args);
      if (unknown !== undefined) {
        say(io.stderr, `openjoules ${spec.meta.name}: unknown option ${unknown}; see openjoules ${spec.meta.name} --help`);
        io.setExitCode?.(EXIT.FAILED);
        return { exitCode: EXIT.FAILED };
      }
      const inputsOf = (raw: readonly string[]): string[] => collectInputs(raw, takesValue);
      const result = await spec.run({ args, rawArgs, inputs: inputsOf(rawArgs), inputsOf, io });
      io.setExitCode?.(exitCodeOf(result));
      return result;
    },
  });
}

/** The exit status a command's result carries. */
export function exitCodeOf(result: CliResult): number {
  return typeof result === 'number' ? result : result.exitCode;
}

function isCommandIo(value: unknown): value is CommandIo {
  return typeof value === 'object' && value !== null && 'stdout' in value && 'stderr' in value;
}
