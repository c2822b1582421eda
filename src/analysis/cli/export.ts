import { stat } from 'node:fs/promises';
import { defineCliCommand } from './command.js';
import { COMMANDS } from './commands.js';
import { EXIT, exitForSkipped } from './exit-codes.js';
import { say, type CommandIo } from './io.js';
import { readCommandSpans } from './read-command-spans.js';

/** Exit statuses of `openjoules export`: the table every command shares (exit-codes.ts). */
export const EXPORT_EXIT = EXIT;

/** Output formats: the seed's QueryTrace JSONL, or a Hugging Face `save_to_disk` folder. */
export const EXPORT_FORMATS = ['jsonl', 'hf'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Default outputs, in the folder every openjoules command writes to. */
export const DEFAULT_EXPORT_OUT: Readonly<Record<ExportFormat, string>> = {
  jsonl: 'openjoules-out/traces.jsonl',
  hf: 'openjoules-out/traces-hf',
};

/** Parsed options of `openjoules export`. */
export interface ExportArgs {
  readonly inputs: readonly string[];
  /** Output file (jsonl) or folder (hf); the format's default when absent. */
  readonly out?: string;
  readonly format: string;
  readonly strict: boolean;
}

/** What {@link runExport} needs from the process, so tests can run it in-process. */
export type ExportIo = CommandIo;

/**
 * Runs `openjoules export`: reads spans, maps them to QueryTraces (one per agent session or trace) and writes them
 * as the seed's JSONL (`export_jsonl`) or as a Hugging Face dataset folder (`export_hf_dataset`). Bad lines go to
 * stderr as `file:line: reason`; the last stderr line counts traces and skipped lines; stdout gets the output path.
 */
export async function runExport(args: ExportArgs, io: ExportIo): Promise<number> {
  const fail = (message: string): number => {
    say(io.stderr, `openjoules export: ${message}`);
    return EXPORT_EXIT.FAILED;
  };
  if (!(EXPORT_FORMATS as readonly string[]).includes(args.format)) return fail(`--format must be one of ${EXPORT_FORMATS.join(', ')}, got "${args.format}"`);
  const format = args.format as ExportFormat;
  if (args.inputs.length === 0) return fail('no input; give --input <file|dir|-> (repeatable)');
  const out = args.out ?? DEFAULT_EXPORT_OUT[format];
  if (out === '') return fail('--out is empty');
  if (format === 'hf') {
    const existing = await stat(out).catch(() => undefined);
    if (existing && !existing.isDirectory()) return fail(`--format hf writes a folder, and ${out} is a file`);
  }

  const read = await readCommandSpans(args.inputs, { strict: args.strict, io, label: 'export', nothingDone: 'nothing written' });
  if ('error' in read) return fail(read.error);
  const { spans, skipped } = read;
  // Heavy modules load only when the command runs, so `openjoules --help` stays light.
  const { spansToQueryTraces } = await import('../summary/query-trace.js');
  const traces = spansToQueryTraces(spans);
  try {
    if (format === 'jsonl') {
      const { exportJsonl } = await import('../export-data/jsonl.js');
      await exportJsonl(traces, out);
    } else {
      const { exportHfDataset } = await import('../export-data/hf-dataset.js');
      await exportHfDataset(traces, out);
    }
  } catch (error) {
    return fail(`cannot write ${out}: ${(error as Error).message}`);
  }
  say(io.stdout, out);
  say(
    io.stderr,
    `openjoules export: ${traces.length} ${traces.length === 1 ? 'trace' : 'traces'} from ${spans.length} spans, ${skipped} bad input(s) skipped${skipped > 0 ? ' (see above)' : ''}`,
  );
  return exitForSkipped(skipped);
}

export default defineCliCommand({
  meta: { name: 'export', description: COMMANDS.export.description },
  args: {
    input: {
      type: 'string',
      alias: 'i',
      description: 'Span file, directory (searched for *.json, *.jsonl) or - for stdin; repeatable',
      valueHint: 'file|dir|-',
    },
    out: {
      type: 'string',
      alias: 'o',
      description: `Output file (jsonl, default ${DEFAULT_EXPORT_OUT.jsonl}) or folder (hf, default ${DEFAULT_EXPORT_OUT.hf})`,
    },
    format: { type: 'string', alias: 'f', description: 'jsonl (one QueryTrace.to_dict() per line) or hf (save_to_disk folder)', default: 'jsonl', valueHint: 'jsonl|hf' },
    strict: { type: 'boolean', description: 'Stop at the first bad input (exit 2) instead of skipping it', default: false },
  },
  run: ({ args, inputs, io }) => runExport({ inputs, out: args.out, format: args.format, strict: args.strict }, io),
});
