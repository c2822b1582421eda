/**
 * Active and total parameter counts (billions) of the models hosted APIs serve, with their measured output speed and
 * time to first token where known: the inputs of the remote energy estimate. The built-in rows are the values EcoLogits
 * 0.11.3 publishes (GenAI Impact, `ecologits/data/models.json`; sources and caveats there: most architectures are
 * unreleased, hence ranges). Users can replace or extend the table with a file in EcoLogits' own `models.json` format
 * (OPENJOULES_REMOTE_MODELS), e.g. the one inside a newer `pip install ecologits`.
 */
import { readFileSync } from 'node:fs';
import type { ValueRange } from './ecologits-method.js';

/** A provider as EcoLogits names it. */
export type HostedProvider = 'openai' | 'anthropic' | 'google_genai' | 'mistralai' | 'cohere' | 'huggingface_hub';

/** One model's row. */
export interface HostedModel {
  readonly provider: HostedProvider;
  readonly name: string;
  readonly activeParamsB: number | ValueRange;
  readonly totalParamsB: number | ValueRange;
  readonly tokensPerSecond?: number;
  readonly timeToFirstTokenS?: number;
}

/** Data-centre PUE per provider (EcoLogits 0.11.3, `tracers/utils.py` PROVIDER_CONFIG_MAP). */
export const PROVIDER_PUE: Readonly<Record<HostedProvider, number | ValueRange>> = {
  openai: 1.2,
  anthropic: { min: 1.09, max: 1.14 },
  google_genai: 1.09,
  mistralai: 1.16,
  cohere: 1.09,
  huggingface_hub: { min: 1.09, max: 1.14 },
};

/** Where the built-in rows come from, for `energy.remote.source`. */
export const BUILT_IN_TABLE = 'openjoules table (EcoLogits 0.11.3 models.json)';

/** `total: 'dense'`: every parameter is active, so the total is the active count (range). */
type Row = [name: string, active: [number, number], total: number | 'dense', tps?: number, ttftS?: number];
const moe = (min: number, max: number): [number, number] => [min, max];

const BUILT_IN: Readonly<Record<'openai' | 'anthropic' | 'google_genai', readonly Row[]>> = {
  openai: [
    ['gpt-3.5-turbo', moe(20, 70), 'dense', 88, 0.71],
    ['gpt-4', moe(176, 528), 1760, 46, 0.89],
    ['gpt-4-turbo', moe(88, 264), 880, 23, 1.25],
    ['gpt-4o', moe(44, 132), 440, 74, 0.61],
    ['gpt-4o-mini', moe(8, 28), 'dense', 79, 0.54],
    ['gpt-4.1', moe(35, 106), 352, 81, 1.02],
    ['gpt-4.1-mini', moe(40, 112), 'dense', 79, 0.93],
    ['gpt-4.1-nano', moe(10, 37), 'dense', 83, 0.83],
    ['o1', moe(44, 132), 440, 111.5, 0.96],
    ['o3-mini', moe(8, 28), 'dense', 142, 4.49],
    ['o4-mini', moe(8, 28), 'dense', 93, 3.4],
    ['gpt-5', moe(30, 90), 300, 59, 5.13],
    ['gpt-5-mini', moe(25, 70), 'dense', 101, 3.72],
    ['gpt-5-nano', moe(5, 18.5), 'dense', 62.5, 6.93],
    ['gpt-5.1', moe(30, 90), 300, 74.5, 0.97],
    ['gpt-5.2', moe(42, 126), 420, 68, 2.41],
    ['gpt-5.4', moe(45, 150), 450, 51, 1.56],
    ['gpt-5.4-mini', moe(56, 158), 'dense', 106, 1.04],
    ['gpt-5.4-nano', moe(15, 58), 'dense', 95.5, 1.1],
    ['gpt-5.5', moe(90, 300), 900, 96, 4.03],
  ],
  anthropic: [
    ['claude-haiku-4-5', moe(10, 35), 'dense', 79, 0.5],
    ['claude-sonnet-4-5', moe(44, 132), 440, 42, 1.15],
    ['claude-sonnet-4-6', moe(44, 132), 440, 40, 1.15],
    ['claude-opus-4-5', moe(67, 200), 670, 30.5, 5.03],
    ['claude-opus-4-6', moe(67, 200), 670, 35, 1.95],
    ['claude-opus-4-7', moe(67, 200), 670, 42, 1.75],
    ['claude-sonnet-5', moe(29, 88), 293, 79.5, 1.76],
    ['claude-opus-5', moe(67, 200), 670, 89.5, 1.84],
  ],
  google_genai: [
    ['gemini-2.5-flash', moe(44, 132), 440, 68.5, 1.14],
    ['gemini-2.5-flash-lite', moe(8, 28), 'dense', 131.5, 0.92],
    ['gemini-2.5-pro', moe(200, 600), 2000, 91.8, 2.67],
    ['gemini-3-flash-preview', moe(100, 300), 'dense', 86, 1.64],
    ['gemini-3.1-pro-preview', moe(120, 360), 1200, 77, 3.12],
  ],
};

function fromRow(provider: HostedProvider, [name, active, total, tps, ttft]: Row): HostedModel {
  const activeParamsB = { min: active[0], max: active[1] };
  return {
    provider,
    name,
    activeParamsB,
    totalParamsB: total === 'dense' ? activeParamsB : total,
    ...(tps !== undefined ? { tokensPerSecond: tps } : {}),
    ...(ttft !== undefined ? { timeToFirstTokenS: ttft } : {}),
  };
}

/** A parameter table: lookups by provider and model name, and where its rows came from. */
export class HostedModelTable {
  private readonly _rows = new Map<string, HostedModel>();

  constructor(readonly source: string) {}

  /** The built-in rows. */
  static builtIn(): HostedModelTable {
    const table = new HostedModelTable(BUILT_IN_TABLE);
    for (const [provider, rows] of Object.entries(BUILT_IN) as Array<[HostedProvider, readonly Row[]]>) {
      for (const row of rows) table.add(fromRow(provider, row));
    }
    return table;
  }

  /**
   * Rows from a file in EcoLogits' `models.json` format (`{ models: [{ provider, name, architecture: { parameters },
   * deployment: { tps, ttft } }], aliases: [{ provider, name, alias }] }`) over the built-in ones. Bad rows are
   * reported through `warn` (one line each, with the file) and skipped.
   */
  static fromFile(path: string, warn: (message: string) => void): HostedModelTable {
    const table = HostedModelTable.builtIn();
    const merged = new HostedModelTable(`${path} over ${BUILT_IN_TABLE}`);
    for (const row of table._rows.values()) merged.add(row);
    let doc: { models?: unknown[]; aliases?: unknown[] };
    try {
      doc = JSON.parse(readFileSync(path, 'utf8')) as typeof doc;
    } catch (error) {
      warn(`openjoules: OPENJOULES_REMOTE_MODELS ${path}: ${(error as Error).message}; using the built-in table`);
      return table;
    }
    (doc.models ?? []).forEach((entry, i) => {
      const row = parseEcoLogitsModel(entry);
      if (row) merged.add(row);
      else warn(`openjoules: ${path}: models[${i}] is not a model row with provider, name and parameters; skipped`);
    });
    for (const entry of doc.aliases ?? []) {
      const alias = entry as { provider?: unknown; name?: unknown; alias?: unknown };
      const target = typeof alias.alias === 'string' ? merged._rows.get(key(String(alias.provider), alias.alias)) : undefined;
      if (target && typeof alias.name === 'string') merged.add({ ...target, name: alias.name });
    }
    return merged;
  }

  add(model: HostedModel): void {
    this._rows.set(key(model.provider, model.name), model);
  }

  /**
   * The row for `model`: the exact name, else the name without a date suffix (`gpt-4o-2024-11-20`,
   * `claude-sonnet-4-5-20250929`), else the longest row name it starts with (`gpt-4o-mini-search-preview` →
   * `gpt-4o-mini`).
   */
  find(provider: HostedProvider, model: string): HostedModel | undefined {
    const name = model.trim().toLowerCase();
    const exact = this._rows.get(key(provider, name)) ?? this._rows.get(key(provider, name.replace(DATE_SUFFIX, '')));
    if (exact) return exact;
    let best: HostedModel | undefined;
    for (const row of this._rows.values()) {
      if (row.provider === provider && name.startsWith(`${row.name}-`) && row.name.length > (best?.name.length ?? 0)) best = row;
    }
    return best;
  }
}

const DATE_SUFFIX = /-(\d{4}-\d{2}-\d{2}|\d{8})$/;

function key(provider: string, name: string): string {
  return `${provider}/${name.toLowerCase()}`;
}

function parseCount(value: unknown): number | ValueRange | undefined {
  if (typeof value === 'number' && value > 0) return value;
  const range = value as { min?: unknown; max?: unknown } | null;
  if (range && typeof range.min === 'number' && typeof range.max === 'number' && range.min > 0 && range.min <= range.max) {
    return { min: range.min, max: range.max };
  }
  return undefined;
}

function parseEcoLogitsModel(entry: unknown): HostedModel | undefined {
  const e = entry as {
    provider?: unknown;
    name?: unknown;
    architecture?: { parameters?: unknown };
    deployment?: { tps?: unknown; ttft?: unknown } | null;
  };
  if (typeof e?.name !== 'string' || !(typeof e.provider === 'string' && e.provider in PROVIDER_PUE)) return undefined;
  const parameters = e.architecture?.parameters as { total?: unknown; active?: unknown } | undefined;
  const dense = parseCount(parameters);
  const total = dense ?? parseCount(parameters?.total);
  const active = dense ?? parseCount(parameters?.active);
  if (!total || !active) return undefined;
  const tps = e.deployment?.tps;
  const ttft = e.deployment?.ttft;
  return {
    provider: e.provider as HostedProvider,
    name: e.name.toLowerCase(),
    activeParamsB: active,
    totalParamsB: total,
    ...(typeof tps === 'number' && tps > 0 ? { tokensPerSecond: tps } : {}),
    ...(typeof ttft === 'number' && ttft >= 0 ? { timeToFirstTokenS: ttft } : {}),
  };
}
