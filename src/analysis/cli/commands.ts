import type { CommandDef } from 'citty';

/** One `openjoules` subcommand: what `openjoules --help` says of it, and how to load it when it runs. */
export interface CommandEntry {
  readonly description: string;
  readonly load: () => Promise<CommandDef>;
}

/** A subcommand's name. */
export type CommandName = 'summary' | 'devices' | 'rollup' | 'stats' | 'export' | 'report' | 'attribute' | 'sample';

/**
 * Every subcommand. The modules load only when their command runs (or prints its own --help), so `openjoules
 * --help` reads this table and nothing heavy: no koffi, sql.js, apache-arrow or Parquet writer.
 */
export const COMMANDS: Readonly<Record<CommandName, CommandEntry>> = {
  summary: {
    description: 'Summarize OTLP/JSON span files into the seed summary.json (totals, efficiency, statistics).',
    load: () => import('./summary.js').then((m) => m.default as unknown as CommandDef),
  },
  devices: {
    description: 'List the energy sources and devices openjoules can measure, with a live power readout.',
    load: () => import('./devices.js').then((m) => m.default as unknown as CommandDef),
  },
  rollup: {
    description: 'Hourly (or daily) KPI rows from OpenTelemetry spans, one file per UTC bucket',
    load: () => import('./rollup.js').then((m) => m.default as unknown as CommandDef),
  },
  stats: {
    description:
      'Per-model/engine/agent/batch LLM call stats (tokens, latency, TTFT, ITL, tokens per joule, prefill/decode energy, MFU/MBU/IPJ) from a persistent store. `stats ingest --input ...` only stores.',
    load: () => import('./stats.js').then((m) => m.default as unknown as CommandDef),
  },
  export: {
    description: 'Export OTLP/JSON spans as the seed QueryTrace JSONL or a Hugging Face dataset folder (datasets.load_from_disk).',
    load: () => import('./export.js').then((m) => m.default as unknown as CommandDef),
  },
  report: {
    description: 'One self-contained HTML report of a run: timeline coloured by joules, power, energy by tool and model, KPIs',
    load: () => import('./report.js').then((m) => m.default as unknown as CommandDef),
  },
  attribute: {
    description: "Joules for a serving engine's request spans (vLLM llm_request) from the GPU host's energy timeline; without one, agent spans' joules shared across the processes on a device",
    load: () => import('./attribute.js').then((m) => m.default as unknown as CommandDef),
  },
  sample: {
    description: "Record the GPU host's energy timeline for `openjoules attribute` (and export hw.* metrics over OTLP)",
    load: () => import('./sample.js').then((m) => m.default as unknown as CommandDef),
  },
};
