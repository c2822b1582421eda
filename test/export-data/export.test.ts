// `openjoules export`: the seed's QueryTrace JSONL and a Hugging Face save_to_disk folder, checked with Python's
// `datasets.load_from_disk` when it is installed (pip install datasets), and reported as skipped otherwise.
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tableFromIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { collectInputs } from '../../src/analysis/cli/inputs.js';
import { exportHfDataset, HF_DATA_FILE } from '../../src/analysis/export-data/hf-dataset.js';
import { HF_COLUMNS } from '../../src/analysis/export-data/hf-row.js';
import { exportJsonl } from '../../src/analysis/export-data/jsonl.js';
import { queryToDict, queryTraceJson } from '../../src/analysis/export-data/query-trace-dict.js';
import { EXPORT_EXIT, runExport } from '../../src/analysis/cli/export.js';
import { makeQueryTrace, makeTurnTrace } from '../../src/analysis/summary/trace.js';
import { agent, chat, tempDir, tool, writeSpansFile } from '../stats/fixtures.js';
import { captureIo } from '../helpers/capture-io.js';

const HF_CHECK = fileURLToPath(new URL('./hf-check.py', import.meta.url));

const trees = [
  agent(0, 1000, { 'energy.gpu.joules': 5, 'energy.cpu.joules': 1, 'openjoules.query.resolved': true, 'gen_ai.conversation.id': 'q-1' }, [
    chat('m', 0, 500, 100, 50, { 'energy.gpu.joules': 4, 'openjoules.cost.usd': 0.002 }),
    tool('calc', 500, 900),
  ]),
  agent(2000, 2500, { 'openjoules.query.resolved': false }, [chat('m', 2000, 2500, 20, 5)]),
];

const io = captureIo;

describe('QueryTrace.to_dict / json.dumps', () => {
  it('writes variant A fields in dataclass order, floats as Python floats', () => {
    const q = makeQueryTrace({
      query_id: 'q',
      workload_type: 'w',
      turns: [makeTurnTrace({ turn_index: 0, input_tokens: 10, wall_clock_s: 2, tools_called: ['a'], tool_latencies_s: { a: 1 } })],
      total_wall_clock_s: 3,
      completed: true,
    });
    expect(Object.keys(queryToDict(q))).toEqual([
      'query_id', 'workload_type', 'query_text', 'response_text', 'turns', 'total_wall_clock_s', 'completed', 'timed_out',
      'query_gpu_energy_joules', 'query_cpu_energy_joules', 'query_gpu_power_avg_watts', 'query_cpu_power_avg_watts',
      'query_mbu_avg_pct', 'query_mbu_max_pct', 'is_resolved', 'lm_energy_measurable', 'shared_device_warning',
      'accuracy_score', 'accuracy_metadata', 'n_retries',
    ]);
    const json = queryTraceJson(q);
    expect(json).toContain('"turns": [{"turn_index": 0, "input_tokens": 10, "output_tokens": 0, "tool_result_tokens": 0, "tools_called": ["a"], "tool_latencies_s": {"a": 1.0}, "wall_clock_s": 2.0, "error": null,');
    expect(json).toContain('"has_parallel_tools": false, "shared_device_warning": false}], "total_wall_clock_s": 3.0, "completed": true,');
    expect(json.endsWith('"accuracy_score": null, "accuracy_metadata": {}, "n_retries": 0}')).toBe(true);
  });
});

describe('exportJsonl (export_jsonl)', () => {
  it('overwrites (mode "w"), creates parent folders, one to_dict per line; empty list gives an empty file', async () => {
    const dir = tempDir();
    const path = join(dir, 'a', 'b', 'traces.jsonl');
    writeFileSync(join(dir, 'x'), '');
    await exportJsonl([makeQueryTrace({ query_id: '1' }), makeQueryTrace({ query_id: '2' })], path);
    await exportJsonl([makeQueryTrace({ query_id: '3' })], path);
    const lines = readFileSync(path, 'utf8').split('\n');
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0]!).query_id).toBe('3');
    await exportJsonl([], path);
    expect(readFileSync(path, 'utf8')).toBe('');
  });
});

describe('openjoules export', () => {
  it('jsonl: one QueryTrace per trace with turns, tokens, tools, wall clock, energy and cost', async () => {
    const dir = tempDir();
    const input = writeSpansFile(dir, 'spans.jsonl', trees);
    const out = join(dir, 'out', 'traces.jsonl');
    const t = io();
    expect(await runExport({ inputs: [input], out, format: 'jsonl', strict: false }, t)).toBe(EXPORT_EXIT.OK);
    expect(t.out()).toBe(`${out}\n`);
    expect(t.err()).toMatch(/^openjoules export: 2 traces from 5 spans, 0 bad input\(s\) skipped\n$/);
    const rows = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ query_id: 'q-1', total_wall_clock_s: 1, completed: true, is_resolved: true, query_gpu_energy_joules: 5 });
    expect(rows[0].turns).toHaveLength(1);
    expect(rows[0].turns[0]).toMatchObject({ input_tokens: 100, output_tokens: 50, tools_called: ['calc'], wall_clock_s: 1, cost_usd: 0.002 });
    expect(rows[1].is_resolved).toBe(false);
  });

  it('hf: an Arrow stream with the seed columns and types, dataset_info.json and state.json', async () => {
    const dir = tempDir();
    const input = writeSpansFile(dir, 'spans.jsonl', trees);
    const out = join(dir, 'hf');
    expect(await runExport({ inputs: [input], out, format: 'hf', strict: false }, io())).toBe(EXPORT_EXIT.OK);
    const table = tableFromIPC(readFileSync(join(out, HF_DATA_FILE)));
    expect(table.schema.fields.map((f) => f.name)).toEqual(HF_COLUMNS.map(([name]) => name));
    expect(table.schema.fields.map((f) => String(f.type))).toEqual(
      HF_COLUMNS.map(([, dtype]) => ({ string: 'Utf8', int64: 'Int64', float64: 'Float64', bool: 'Bool' })[dtype]),
    );
    expect(table.numRows).toBe(2);
    const first = table.get(0)!.toJSON();
    expect(first).toMatchObject({ query_id: 'q-1', num_turns: 1n, total_input_tokens: 100n, total_tool_calls: 1n, total_gpu_energy_joules: 5, completed: true });
    expect(first.total_cost_usd).toBe(0.002);
    expect(table.get(1)!.toJSON().total_gpu_energy_joules).toBeNull(); // no energy anywhere in trace 2
    const state = JSON.parse(readFileSync(join(out, 'state.json'), 'utf8'));
    expect(state).toMatchObject({ _data_files: [{ filename: HF_DATA_FILE }], _format_type: null, _split: null });
    expect(state._fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(JSON.parse(readFileSync(join(out, 'dataset_info.json'), 'utf8')).features.trace_json).toEqual({ dtype: 'string', _type: 'Value' });
  });

  it('datasets.load_from_disk opens the hf folder (Python check)', async () => {
    const dir = tempDir();
    const input = writeSpansFile(dir, 'spans.jsonl', trees);
    const hf = join(dir, 'hf');
    const empty = join(dir, 'hf-empty');
    const jsonl = join(dir, 'traces.jsonl');
    expect(await runExport({ inputs: [input], out: hf, format: 'hf', strict: false }, io())).toBe(EXPORT_EXIT.OK);
    expect(await runExport({ inputs: [input], out: jsonl, format: 'jsonl', strict: false }, io())).toBe(EXPORT_EXIT.OK);
    await exportHfDataset([], empty);
    const run = spawnSync('python3', [HF_CHECK, jsonl, hf, empty], { encoding: 'utf8' });
    if (run.error || run.status === 3) {
      console.log(`SKIPPED hf dataset check: ${run.error ? `python3 not runnable (${run.error.message})` : run.stderr.trim()}`);
      return;
    }
    expect(run.stderr.includes('Traceback') ? run.stderr : '').toBe('');
    expect(run.status).toBe(0);
    const result = JSON.parse(run.stdout);
    const [full, none] = result.datasets;
    expect(full.num_rows).toBe(2);
    expect(full.features).toEqual(Object.fromEntries(HF_COLUMNS.map(([name, dtype]) => [name, dtype])));
    expect(full.rows[0]).toMatchObject({ query_id: 'q-1', num_turns: 1, total_input_tokens: 100, total_gpu_energy_joules: 5, is_resolved: true });
    expect(full.rows[1]).toMatchObject({ total_gpu_energy_joules: null, is_resolved: false });
    // trace_json and every JSONL line are exactly what Python's json.dumps writes for the same object.
    const jsonlLines = readFileSync(jsonl, 'utf8').trim().split('\n');
    expect(full.rows.map((r: { trace_json: string }) => r.trace_json)).toEqual(jsonlLines);
    expect(result.jsonl_redumped).toEqual(jsonlLines);
    expect(none.num_rows).toBe(0);
  });

  it('reports bad lines as file:line: reason, writes the rest and exits 1; --strict exits 2 and writes nothing', async () => {
    const dir = tempDir();
    const input = writeSpansFile(dir, 'spans.jsonl', trees);
    appendFileSync(input, 'garbage\n');
    const out = join(dir, 'traces.jsonl');
    const t = io();
    expect(await runExport({ inputs: [input], out, format: 'jsonl', strict: false }, t)).toBe(EXPORT_EXIT.SKIPPED);
    expect(t.err()).toMatch(new RegExp(`^${input.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3: malformed JSON`, 'm'));
    expect(t.err()).toMatch(/2 traces from 5 spans, 1 bad input\(s\) skipped \(see above\)/);
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(2);
    const strictOut = join(dir, 'strict.jsonl');
    const s = io();
    expect(await runExport({ inputs: [input], out: strictOut, format: 'jsonl', strict: true }, s)).toBe(EXPORT_EXIT.FAILED);
    expect(s.err()).toMatch(/:3: malformed JSON.*--strict/);
    expect(existsSync(strictOut)).toBe(false);
  });

  it('usage errors exit 2: no input, unknown format, hf onto a file, missing input', async () => {
    const dir = tempDir();
    const input = writeSpansFile(dir, 'spans.jsonl', trees);
    const t = io();
    expect(await runExport({ inputs: [], format: 'jsonl', strict: false }, t)).toBe(EXPORT_EXIT.FAILED);
    expect(await runExport({ inputs: [input], format: 'csv', strict: false }, t)).toBe(EXPORT_EXIT.FAILED);
    expect(await runExport({ inputs: [input], out: input, format: 'hf', strict: false }, t)).toBe(EXPORT_EXIT.FAILED);
    expect(await runExport({ inputs: [join(dir, 'nope.jsonl')], out: join(dir, 'o.jsonl'), format: 'jsonl', strict: false }, t)).toBe(EXPORT_EXIT.FAILED);
    expect(t.err()).toMatch(/no input/);
    expect(t.err()).toMatch(/--format must be one of jsonl, hf, got "csv"/);
    expect(t.err()).toMatch(/is a file/);
    expect(t.err()).toMatch(/cannot read input: .*nope\.jsonl/);
  });

  it('collects every --input, and skips the values of --out and --format', () => {
    expect(collectInputs(['--input', 'a', '-i', 'b', '--format', 'hf', '--out', 'o', '--input=c', 'd', '-f', 'jsonl'], ['--out', '-o', '--format', '-f'])).toEqual([
      'a',
      'b',
      'c',
      'd',
    ]);
  });
});
