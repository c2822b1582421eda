import { mkdir, open, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Database, SqlJsStatic } from 'sql.js';
import { importOptionalPeer } from '../export-data/optional-peer.js';
import type { TelemetryRecord } from './telemetry-record.js';

/** A value read from or bound to the store (SQLite's storage classes). */
export type StoreValue = number | string | Uint8Array | null;

/** Default store, in the folder every openjoules command writes to. */
export const DEFAULT_STORE_PATH = 'openjoules-out/telemetry.db';

/**
 * The `telemetry` table: the seed's columns (OpenJarvis `store.py`) in its order and with its names, so the seed's
 * `TelemetryAggregator` can open the file; measured values are nullable here (the seed writes 0.0 for "not
 * measured"). Then ours: the span identity, unique, which makes ingest idempotent, and what the stats need.
 */
const COLUMNS: ReadonlyArray<readonly [name: keyof TelemetryRecord, sql: string]> = [
  ['timestamp', 'REAL NOT NULL'],
  ['model_id', "TEXT NOT NULL DEFAULT ''"],
  ['engine', "TEXT NOT NULL DEFAULT ''"],
  ['agent', "TEXT NOT NULL DEFAULT ''"],
  ['prompt_tokens', 'INTEGER NOT NULL DEFAULT 0'],
  ['prompt_tokens_evaluated', 'INTEGER NOT NULL DEFAULT 0'],
  ['completion_tokens', 'INTEGER NOT NULL DEFAULT 0'],
  ['total_tokens', 'INTEGER NOT NULL DEFAULT 0'],
  ['latency_seconds', 'REAL NOT NULL DEFAULT 0.0'],
  ['ttft', 'REAL'],
  ['cost_usd', 'REAL'],
  ['energy_joules', 'REAL'],
  ['power_watts', 'REAL'],
  ['gpu_utilization_pct', 'REAL'],
  ['gpu_memory_used_gb', 'REAL'],
  ['gpu_temperature_c', 'REAL'],
  ['throughput_tok_per_sec', 'REAL NOT NULL DEFAULT 0.0'],
  ['prefill_latency_seconds', 'REAL'],
  ['decode_latency_seconds', 'REAL'],
  ['energy_method', "TEXT NOT NULL DEFAULT ''"],
  ['energy_vendor', "TEXT NOT NULL DEFAULT ''"],
  ['batch_id', "TEXT NOT NULL DEFAULT ''"],
  ['is_warmup', 'INTEGER NOT NULL DEFAULT 0'],
  ['cpu_energy_joules', 'REAL'],
  ['gpu_energy_joules', 'REAL'],
  ['dram_energy_joules', 'REAL'],
  ['tokens_per_joule', 'REAL'],
  ['energy_per_output_token_joules', 'REAL'],
  ['throughput_per_watt', 'REAL'],
  ['prefill_energy_joules', 'REAL'],
  ['decode_energy_joules', 'REAL'],
  ['mean_itl_ms', 'REAL'],
  ['median_itl_ms', 'REAL'],
  ['p90_itl_ms', 'REAL'],
  ['p95_itl_ms', 'REAL'],
  ['p99_itl_ms', 'REAL'],
  ['std_itl_ms', 'REAL'],
  ['is_streaming', 'INTEGER NOT NULL DEFAULT 0'],
  ['token_counting_version', 'INTEGER'],
  ['mining_session_id', 'TEXT'],
  ['metadata', "TEXT NOT NULL DEFAULT '{}'"],
  ['trace_id', 'TEXT NOT NULL'],
  ['span_id', 'TEXT NOT NULL'],
  ['query_resolved', 'INTEGER'],
  ['gpu_name', 'TEXT'],
  ['num_gpus', 'INTEGER'],
  ['itl_source', "TEXT NOT NULL DEFAULT ''"],
];

const CREATE_SQL = `CREATE TABLE IF NOT EXISTS telemetry (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  ${COLUMNS.map(([name, sql]) => `${name} ${sql}`).join(',\n  ')},
  UNIQUE (trace_id, span_id)
);
CREATE INDEX IF NOT EXISTS telemetry_model_time ON telemetry (model_id, timestamp);`;

const INSERT_SQL = `INSERT OR IGNORE INTO telemetry (${COLUMNS.map(([n]) => n).join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`;

/** How long a writer waits for another process's lock before giving up, in ms. */
const LOCK_WAIT_MS = 10_000;
/** A lock older than this is left over from a crashed writer and is taken over, in ms. */
const LOCK_STALE_MS = 120_000;

let sqlJs: Promise<SqlJsStatic> | undefined;

function loadSqlJs(): Promise<SqlJsStatic> {
  sqlJs ??= importOptionalPeer<{ default: () => Promise<SqlJsStatic> }>('sql.js', 'openjoules stats').then((m) => m.default());
  return sqlJs;
}

/** Thrown when the store file cannot be opened, read or written; `code` is stable. */
export class TelemetryStoreError extends Error {
  readonly code = 'OJ_STORE';
}

/** What one {@link TelemetryStore.ingest} did. */
export interface IngestResult {
  /** Records new to the store. */
  readonly inserted: number;
  /** Records already there (same trace id and span id), left unchanged. */
  readonly duplicates: number;
}

/**
 * The persistent local store of LLM-call records: one SQLite file (the seed's `telemetry` table), read and written
 * through sql.js, SQLite compiled to WebAssembly, so nothing native is built or downloaded at install. The file is
 * loaded whole into memory and written back whole (to a temp file, then renamed, so readers never see half a
 * file); writers take a lock file, so two ingests at once do not lose each other's records.
 */
export class TelemetryStore {
  private constructor(
    private readonly _db: Database,
    /** The file, or undefined for an in-memory store. */
    readonly path: string | undefined,
  ) {}

  /** Opens (or, when absent, creates in memory until the first save) the store at `path`; no path: in memory only. */
  static async open(path?: string): Promise<TelemetryStore> {
    const SQL = await loadSqlJs();
    let bytes: Buffer | undefined;
    if (path !== undefined) {
      try {
        bytes = await readFile(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new TelemetryStoreError(`cannot read store ${path}: ${(error as Error).message}`);
      }
    }
    let db: Database;
    try {
      db = new SQL.Database(bytes);
      db.run(CREATE_SQL);
    } catch (error) {
      throw new TelemetryStoreError(`${path ?? 'store'} is not an openjoules telemetry store: ${(error as Error).message}`);
    }
    return new TelemetryStore(db, path);
  }

  /**
   * Opens the store at `path` under its lock, lets `fn` change it, saves it and releases the lock. Another
   * process's ingest is waited for (up to 10 s).
   */
  static async update<T>(path: string, fn: (store: TelemetryStore) => T | Promise<T>): Promise<T> {
    await mkdir(dirname(path), { recursive: true });
    const release = await acquireLock(`${path}.lock`);
    try {
      const store = await TelemetryStore.open(path);
      try {
        const result = await fn(store);
        await store.save();
        return result;
      } finally {
        store.close();
      }
    } finally {
      await release();
    }
  }

  /** Adds records; those whose (trace_id, span_id) is already stored are skipped, so re-ingesting adds nothing. */
  ingest(records: Iterable<TelemetryRecord>): IngestResult {
    let inserted = 0;
    let duplicates = 0;
    const statement = this._db.prepare(INSERT_SQL);
    this._db.run('BEGIN');
    try {
      for (const record of records) {
        statement.run(COLUMNS.map(([name]) => toSql(record[name])));
        if (this._db.getRowsModified() > 0) inserted++;
        else duplicates++;
      }
      this._db.run('COMMIT');
    } catch (error) {
      this._db.run('ROLLBACK');
      throw error;
    } finally {
      statement.free();
    }
    return { inserted, duplicates };
  }

  /** Runs a read query with positional parameters; rows as objects keyed by column name. */
  query(sql: string, params: StoreValue[] = []): Array<Record<string, StoreValue>> {
    const statement = this._db.prepare(sql);
    try {
      statement.bind(params);
      const rows: Array<Record<string, StoreValue>> = [];
      while (statement.step()) rows.push(statement.getAsObject());
      return rows;
    } finally {
      statement.free();
    }
  }

  /** `record_count()`. */
  recordCount(): number {
    return Number(this.query('SELECT COUNT(*) AS n FROM telemetry')[0]?.n ?? 0);
  }

  /** Writes the database to its file (temp file + rename). Nothing for an in-memory store. */
  async save(): Promise<void> {
    if (this.path === undefined) return;
    const temp = `${this.path}.${process.pid}.tmp`;
    try {
      await mkdir(dirname(this.path), { recursive: true });
      await writeFile(temp, this._db.export());
      await rename(temp, this.path);
    } catch (error) {
      await unlink(temp).catch(() => {});
      throw new TelemetryStoreError(`cannot write store ${this.path}: ${(error as Error).message}`);
    }
  }

  close(): void {
    this._db.close();
  }
}

function toSql(value: TelemetryRecord[keyof TelemetryRecord]): StoreValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number' || typeof value === 'string') return value;
  return JSON.stringify(value);
}

async function acquireLock(lockPath: string): Promise<() => Promise<void>> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const handle = await open(lockPath, 'wx');
      await handle.write(`${process.pid}\n`);
      await handle.close();
      return () => unlink(lockPath).catch(() => {});
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new TelemetryStoreError(`cannot lock ${lockPath}: ${(error as Error).message}`);
    }
    const info = await stat(lockPath).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > LOCK_STALE_MS) {
      await unlink(lockPath).catch(() => {});
      continue;
    }
    if (Date.now() > deadline) throw new TelemetryStoreError(`store is locked by another openjoules process (${lockPath}); remove it if none is running`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
