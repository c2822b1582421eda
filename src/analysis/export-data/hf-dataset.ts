import { createHash } from 'node:crypto';
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as Arrow from 'apache-arrow';
import type { QueryTrace } from '../summary/trace.js';
import { HF_COLUMNS, toHfRow, type HfDtype, type HfRow } from './hf-row.js';
import { importOptionalPeer } from './optional-peer.js';

type DataType = Arrow.DataType;

/** The one shard `save_to_disk` writes for a small dataset. */
export const HF_DATA_FILE = 'data-00000-of-00001.arrow';

/**
 * The seed's `export_hf_dataset(traces, path)`: the `to_hf_dataset` rows written in the layout of
 * `Dataset.save_to_disk`, which `datasets.load_from_disk(path)` opens: one Arrow IPC **stream** shard, its
 * `dataset_info.json` (features) and `state.json`. The folder is created; our three files in it are replaced, other
 * files are left alone. Resolves to the folder.
 */
export async function exportHfDataset(traces: Iterable<QueryTrace>, dir: string): Promise<string> {
  const arrowLib = await importOptionalPeer<typeof Arrow>('apache-arrow', 'openjoules export --format hf');
  const rows = [...traces].map(toHfRow);
  const existing = await stat(dir).catch(() => undefined);
  if (existing && !existing.isDirectory()) throw new Error(`${dir} exists and is not a folder`);
  await mkdir(dir, { recursive: true });
  const features = Object.fromEntries(HF_COLUMNS.map(([name, dtype]) => [name, { dtype, _type: 'Value' }]));
  const arrow = encodeArrowStream(arrowLib, rows, JSON.stringify({ info: { features } }));
  const info = { citation: '', description: '', features, homepage: '', license: '' };
  const state = {
    _data_files: [{ filename: HF_DATA_FILE }],
    // datasets hashes the transforms that made the data; a hash of the data itself is as good a cache key.
    _fingerprint: createHash('sha256').update(arrow).digest('hex').slice(0, 16),
    _format_columns: null,
    _format_kwargs: {},
    _format_type: null,
    _output_all_columns: false,
    _split: null,
  };
  await writeAtomic(join(dir, HF_DATA_FILE), arrow);
  await writeAtomic(join(dir, 'dataset_info.json'), `${JSON.stringify(info, null, 2)}\n`);
  await writeAtomic(join(dir, 'state.json'), `${JSON.stringify(state, null, 2)}\n`);
  return dir;
}

/**
 * Rows as an Arrow IPC stream with the column types of {@link HF_COLUMNS} (all nullable) and, like `datasets`,
 * the features JSON under the schema metadata key `huggingface`.
 */
function encodeArrowStream(arrow: typeof Arrow, rows: readonly HfRow[], huggingfaceMetadata: string): Uint8Array {
  const { Field, makeData, RecordBatch, Schema, Struct, Table, tableToIPC, vectorFromArray } = arrow;
  const fields = HF_COLUMNS.map(([name, dtype]) => new Field(name, arrowType(arrow, dtype), true));
  const schema = new Schema(fields, new Map([['huggingface', huggingfaceMetadata]]));
  if (rows.length === 0) return tableToIPC(new Table(schema), 'stream');
  const children = HF_COLUMNS.map(([name, dtype], i) => {
    const values = rows.map((row) => toArrowValue(row[name] ?? null, dtype, name));
    return vectorFromArray(values, fields[i]!.type as DataType).data[0]!;
  });
  const data = makeData({ type: new Struct(fields), length: rows.length, nullCount: 0, children });
  return tableToIPC(new Table(schema, [new RecordBatch(schema, data)]), 'stream');
}

function arrowType(arrow: typeof Arrow, dtype: HfDtype): DataType {
  switch (dtype) {
    case 'string':
      return new arrow.Utf8();
    case 'int64':
      return new arrow.Int64();
    case 'float64':
      return new arrow.Float64();
    case 'bool':
      return new arrow.Bool();
  }
}

function toArrowValue(value: string | number | boolean | null, dtype: HfDtype, column: string): string | number | bigint | boolean | null {
  if (value === null) return null;
  switch (dtype) {
    case 'int64':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw new TypeError(`column ${column}: ${String(value)} is not an integer`);
      // Token counts are integers; a fractional count (a hand-edited span) is rounded, not rejected.
      return BigInt(Math.round(value));
    case 'float64':
      return Number(value);
    case 'bool':
      return Boolean(value);
    case 'string':
      return String(value);
  }
}

async function writeAtomic(path: string, content: string | Uint8Array): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, content);
  await rename(temp, path);
}
