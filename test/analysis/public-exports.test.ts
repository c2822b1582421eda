// The `openjoules/analysis` exports no other test reaches by name, used as a library user would: read from the
// entry point, on span files written the way the exporters write them.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  EmptyReportError,
  HF_COLUMNS,
  KPI_COLUMNS,
  MODEL_PARAMS_B,
  ROLLUP_FORMATS,
  TOKEN_COUNTING_VERSION,
  TelemetryStore,
  TelemetryStoreError,
  dayWindow,
  listSpanInputs,
  modelParamsB,
  queryToDict,
  readSpanBatches,
  readSpanRecords,
  rollupSpans,
  rowPath,
  spansToQueryTraces,
  spansToTelemetryRecords,
  toHfRow,
  turnToDict,
  writeReport,
  writeRow,
} from '../../src/analytics.js';
import { BASE_MS, agent, chat, tempDir, tool, writeSpansFile } from '../stats/fixtures.js';

const trees = [
  agent(0, 1000, { 'gen_ai.conversation.id': 'q-1', 'energy.gpu.joules': 5 }, [chat('m', 0, 500, 100, 50), tool('calc', 500, 900)]),
  agent(2000, 2500, { 'gen_ai.conversation.id': 'q-2' }, [chat('m', 2000, 2500, 20, 5)]),
];

/** A directory with the spans split over two files, one in a subfolder, and a file that is not a span file. */
function spanDir(): string {
  const dir = tempDir();
  writeSpansFile(dir, 'b.jsonl', trees.slice(0, 1));
  mkdirSync(join(dir, 'a'));
  writeSpansFile(join(dir, 'a'), 'rotated.json', trees.slice(1));
  writeFileSync(join(dir, 'notes.txt'), 'not spans\n');
  return dir;
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe('openjoules/analysis', () => {
  it('listSpanInputs: span files of a directory, recursively and sorted; readSpanBatches: the same spans a line at a time', async () => {
    const dir = spanDir();
    expect(await listSpanInputs([dir, '-'])).toEqual([join(dir, 'a', 'rotated.json'), join(dir, 'b.jsonl'), '-']);
    const batches = await collect(readSpanBatches([dir]));
    expect(batches.length).toBe(2); // one line per file
    expect(batches.every((b) => b.length > 0)).toBe(true);
    const records = await collect(readSpanRecords([dir]));
    expect(batches.flat().map((s) => s.spanId)).toEqual(records.map((s) => s.spanId));
    expect(records).toHaveLength(5);
  });

  it("rowPath and writeRow: the seed's layout, one file per bucket, its header KPI_COLUMNS in order", async () => {
    expect(rowPath('kpis', '2026-01-02T03', 'csv')).toBe(join('kpis', 'hourly', '2026-01-02', '03.csv'));
    expect(rowPath('kpis', '2026-01-02', 'parquet')).toBe(join('kpis', 'daily', '2026-01-02.parquet'));
    const dir = spanDir();
    const day = new Date(BASE_MS).toISOString().slice(0, 10);
    const [row] = await rollupSpans([dir], dayWindow(day));
    expect(row?.llm_calls).toBe(2);
    const out = tempDir();
    for (const format of ROLLUP_FORMATS.filter((f) => f !== 'parquet')) {
      const path = await writeRow(out, row!, format);
      expect(path).toBe(rowPath(out, day, format));
      const text = readFileSync(path, 'utf8');
      if (format === 'csv') expect(text.split('\n')[0]).toBe(KPI_COLUMNS.map((c) => c.name).join(','));
      else expect(Object.keys(JSON.parse(text) as object)).toEqual(KPI_COLUMNS.map((c) => c.name));
    }
  });

  it("toHfRow has HF_COLUMNS; turnToDict is the seed's turn dict inside queryToDict", async () => {
    const spans = await collect(readSpanRecords([spanDir()]));
    const queries = spansToQueryTraces(spans);
    expect(queries).toHaveLength(2);
    const first = queries.find((q) => q.query_id === 'q-1')!;
    expect(Object.keys(toHfRow(first))).toEqual(HF_COLUMNS.map(([name]) => name));
    expect(toHfRow(first).query_id).toBe('q-1');
    expect((queryToDict(first).turns as unknown[])[0]).toEqual(turnToDict(first.turns[0]!));
    expect(turnToDict(first.turns[0]!)).toMatchObject({ turn_index: 0, input_tokens: 100, output_tokens: 50, tools_called: ['calc'] });
  });

  it('spansToTelemetryRecords stamps TOKEN_COUNTING_VERSION; modelParamsB reads MODEL_PARAMS_B first', async () => {
    const records = spansToTelemetryRecords(await collect(readSpanRecords([spanDir()])));
    expect(records.map((r) => r.token_counting_version)).toEqual([TOKEN_COUNTING_VERSION, TOKEN_COUNTING_VERSION]);
    for (const [model, params] of Object.entries(MODEL_PARAMS_B)) expect(modelParamsB(model), model).toBe(params);
  });

  it('errors with stable codes: EmptyReportError (no span to draw), TelemetryStoreError (not a store)', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'empty.jsonl'), '');
    const report = writeReport([join(dir, 'empty.jsonl')], join(dir, 'report.html'));
    await expect(report).rejects.toBeInstanceOf(EmptyReportError);
    await expect(report).rejects.toMatchObject({ code: 'OJ_REPORT_NO_SPANS' });
    writeFileSync(join(dir, 'telemetry.db'), 'this is not SQLite');
    const store = TelemetryStore.open(join(dir, 'telemetry.db'));
    await expect(store).rejects.toBeInstanceOf(TelemetryStoreError);
    await expect(store).rejects.toMatchObject({ code: 'OJ_STORE' });
  });
});
