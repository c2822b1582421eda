import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { KPI_COLUMNS, type KpiColumn, type KpiRow } from './kpi-row.js';

/** Output formats of `openjoules rollup`. */
export type RollupFormat = 'csv' | 'json' | 'parquet';

/** Every format, for flag validation. */
export const ROLLUP_FORMATS: readonly RollupFormat[] = ['csv', 'json', 'parquet'];

/**
 * Where a row goes: `<out>/hourly/YYYY-MM-DD/HH.<ext>` for an hour bucket (`YYYY-MM-DDTHH`), `<out>/daily/YYYY-MM-DD.<ext>`
 * for a day — the seed's layout, so a rerun lands on the same path.
 */
export function rowPath(outDir: string, bucket: string, format: RollupFormat): string {
  if (bucket.length === 13) return join(outDir, 'hourly', bucket.slice(0, 10), `${bucket.slice(11, 13)}.${format}`);
  return join(outDir, 'daily', `${bucket}.${format}`);
}

/**
 * Writes one row to its path, replacing any earlier file atomically (a temp file renamed over it), so a rerun
 * overwrites and a reader never sees half a file. Returns the path.
 */
export async function writeRow(outDir: string, row: KpiRow, format: RollupFormat): Promise<string> {
  const path = rowPath(outDir, row.bucket, format);
  await mkdir(dirname(path), { recursive: true });
  const bytes = format === 'csv' ? renderCsv(row) : format === 'json' ? `${renderJson(row)}\n` : await renderParquet(row);
  const temp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(temp, bytes);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  return path;
}

/** The seed's CSV: a header, one row, `bucket` first; cells quoted only when they hold `,` `"` or a newline. */
export function renderCsv(row: KpiRow): string {
  const header = KPI_COLUMNS.map((c) => c.name).join(',');
  const cells = KPI_COLUMNS.map((c) => csvCell(formatCell(c, row[c.name])));
  return `${header}\n${cells.join(',')}\n`;
}

/** One JSON object with the columns in order; empty cells are null. */
export function renderJson(row: KpiRow): string {
  const out: Record<string, unknown> = {};
  for (const c of KPI_COLUMNS) out[c.name] = row[c.name];
  return JSON.stringify(out);
}

/** A one-row Parquet file: ints as INT64, floats as DOUBLE, text as UTF-8; nullable columns may hold null. */
export async function renderParquet(row: KpiRow): Promise<Uint8Array> {
  // Loaded lazily so csv/json runs (and `--help`) never load the Parquet writer.
  const { parquetWriteBuffer } = await import('hyparquet-writer');
  const columnData = KPI_COLUMNS.map((c) => {
    const value = row[c.name];
    const type = c.type === 'int' ? 'INT64' : c.type === 'float' ? 'DOUBLE' : 'STRING';
    const data = [value === null ? null : c.type === 'int' ? BigInt(value) : value];
    return { name: c.name, data, type, nullable: c.nullable === true } as const;
  });
  return new Uint8Array(parquetWriteBuffer({ columnData, createdBy: 'openjoules rollup' }));
}

/** Python's `str()` of the seed's values: floats keep a `.0` when whole, null is empty. */
function formatCell(column: KpiColumn, value: string | number | null): string {
  if (value === null) return '';
  if (column.type === 'float' && typeof value === 'number' && Number.isInteger(value)) return `${value}.0`;
  return String(value);
}

function csvCell(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
