// Every command's exit status from one table (src/analysis/cli/exit-codes.ts): 0 clean, 1 input skipped, 2 usage, --strict
// or nothing done. Each row runs the real command line in-process through runCli with its own IO.
import { appendFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/analysis/cli/exit-codes.js';
import { runCli } from '../../src/analysis/cli/run-cli.js';
import { agent, chat, tempDir, tool, writeSpansFile } from '../stats/fixtures.js';

/** Paths the rows use: clean spans, the same with one malformed line, and a fresh folder per row. */
interface Files {
  readonly good: string;
  readonly bad: string;
  readonly dir: string;
}
type Row = readonly [command: string, argv: (f: Files) => string[], expected: number, stderr: RegExp];

// The fixtures' spans start at BASE_MS = 2023-11-14T22:13:20Z.
const HOUR = '2023-11-14T22';
const ROWS: readonly Row[] = [
  ['summary', (f) => ['-i', f.good, '-o', join(f.dir, 's.json')], EXIT.OK, /^$/],
  ['summary', (f) => ['-i', f.bad, '-o', join(f.dir, 's.json')], EXIT.SKIPPED, /:2: malformed JSON[\s\S]*1 line skipped/],
  ['summary', (f) => ['-i', f.bad, '-o', join(f.dir, 's.json'), '--strict'], EXIT.FAILED, /--strict/],
  ['summary', () => [], EXIT.FAILED, /no input/],
  ['summary', (f) => ['-i', f.good, '--outt', 'x'], EXIT.FAILED, /unknown option --outt/],
  ['rollup', (f) => ['-i', f.good, '-o', f.dir, '--datetime', HOUR], EXIT.OK, /1 file\(s\)/],
  ['rollup', (f) => ['-i', f.bad, '-o', f.dir, '--datetime', HOUR], EXIT.SKIPPED, /1 bad input\(s\) skipped/],
  ['rollup', (f) => ['-i', f.bad, '-o', f.dir, '--datetime', HOUR, '--strict'], EXIT.FAILED, /--strict: stopped/],
  ['rollup', (f) => ['-i', f.good, '-o', f.dir, '--hours', '0'], EXIT.FAILED, /--hours must be/],
  ['rollup', (f) => ['-o', f.dir], EXIT.FAILED, /Missing required argument: --input/],
  ['rollup', (f) => ['-i', f.good, '-o', f.dir, '--format', 'xml'], EXIT.FAILED, /Invalid value for argument/],
  ['rollup', (f) => ['-i', f.good, '--daily-backfil', '2023-11-14'], EXIT.FAILED, /unknown option --daily-backfil/],
  ['stats', (f) => ['-i', f.good, '--store', join(f.dir, 't.db')], EXIT.OK, /0 bad input\(s\) skipped$/m],
  ['stats', (f) => ['-i', f.bad, '--store', join(f.dir, 't.db')], EXIT.SKIPPED, /1 bad input\(s\) skipped \(see above\)/],
  ['stats', (f) => ['-i', f.bad, '--store', join(f.dir, 't.db'), '--strict'], EXIT.FAILED, /--strict: stopped, nothing stored/],
  ['stats', (f) => ['-i', f.good, '--store', join(f.dir, 't.db'), '--by', 'colour'], EXIT.FAILED, /--by must be one of/],
  ['stats', (f) => ['-i', f.good, '--store', join(f.dir, 't.db'), '--since', 'soon'], EXIT.FAILED, /--since must be/],
  ['stats', (f) => ['ingest', '-i', f.good, '--store', join(f.dir, 't.db')], EXIT.OK, /1 new/],
  ['export', (f) => ['-i', f.good, '-o', join(f.dir, 't.jsonl')], EXIT.OK, /0 bad input\(s\) skipped$/m],
  ['export', (f) => ['-i', f.bad, '-o', join(f.dir, 't.jsonl')], EXIT.SKIPPED, /1 bad input\(s\) skipped/],
  ['export', (f) => ['-i', f.bad, '-o', join(f.dir, 't.jsonl'), '--strict'], EXIT.FAILED, /--strict: stopped/],
  ['export', (f) => ['-i', f.good, '--format', 'csv'], EXIT.FAILED, /--format must be one of jsonl, hf/],
  ['report', (f) => ['-i', f.good, '-o', join(f.dir, 'r.html')], EXIT.OK, /0 bad input\(s\) skipped$/m],
  ['report', (f) => ['-i', f.bad, '-o', join(f.dir, 'r.html')], EXIT.SKIPPED, /1 bad input\(s\) skipped/],
  ['report', (f) => ['-i', f.bad, '-o', join(f.dir, 'r.html'), '--strict'], EXIT.FAILED, /--strict: stopped, nothing written/],
  ['report', (f) => ['-i', f.good, '--trace', 'xyz'], EXIT.FAILED, /--trace must be a 32-hex-digit trace id/],
  ['devices', () => ['--json', '--interval-ms', '0'], EXIT.OK, /^$/],
  ['devices', () => ['--interval-ms', 'soon'], EXIT.FAILED, /--interval-ms must be/],
  ['devices', () => ['--jsn'], EXIT.FAILED, /unknown option --jsn/],
  ['', () => [], EXIT.FAILED, /no command given/],
  ['launch', () => [], EXIT.FAILED, /unknown command "launch"/],
  ['--help', () => [], EXIT.OK, /^$/],
  ['rollup', () => ['--help'], EXIT.OK, /^$/],
];

let base: Files;
beforeAll(() => {
  const dir = tempDir();
  const good = writeSpansFile(dir, 'good.jsonl', [agent(0, 5000, {}, [chat('llama-3.1-8b', 0, 1000, 100, 50), tool('calc', 1000, 2000)])]);
  const bad = join(dir, 'bad.jsonl');
  copyFileSync(good, bad);
  appendFileSync(bad, '{"resourceSpans": [\n');
  base = { good, bad, dir };
});

describe('the exit-code table', () => {
  it.each(ROWS.map((row) => [`${row[0]} ${row[1]({ good: '<good>', bad: '<bad>', dir: '<dir>' }).join(' ')}`.trim(), row] as const))(
    'openjoules %s',
    async (_, [command, argv, expected, stderrPattern]) => {
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      let err = '';
      stdout.resume();
      stderr.on('data', (c: Buffer) => (err += c.toString()));
      // No energy source to find: devices reads an empty RAPL tree and loads no driver.
      const env = { OPENJOULES_ENERGY_SOURCES: 'rapl', OPENJOULES_RAPL_ROOT: join(base.dir, 'no-powercap') };
      const args = [...(command === '' ? [] : [command]), ...argv({ ...base, dir: join(tempDir(), 'out') })];
      const code = await runCli(args, { stdout, stderr, env });
      expect(code, err).toBe(expected);
      expect(err).toMatch(stderrPattern);
    },
  );
});
