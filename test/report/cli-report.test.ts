import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand } from 'citty';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import report, { REPORT_EXIT, type ReportRunResult } from '../../src/analysis/cli/report.js';
import { RunFixture, tempDir } from './fixtures.js';

let stderr: string[];
let stdout: string[];
beforeEach(() => {
  stderr = [];
  stdout = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (stderr.push(String(chunk)), true));
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (stdout.push(String(chunk)), true));
});
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

async function run(...rawArgs: string[]): Promise<ReportRunResult> {
  const { result } = await runCommand(report, { rawArgs });
  return result as ReportRunResult;
}

function twoTurns(): { path: string; first: string; second: string } {
  const f = new RunFixture();
  const first = f.turn(0, 'c1');
  const second = f.turn(20, 'c2');
  return { path: f.writeFile(), first, second };
}

describe('openjoules report (CLI)', () => {
  it('writes one HTML file, prints its path on stdout and a count line on stderr, exit 0', async () => {
    const { path } = twoTurns();
    const out = join(tempDir(), 'sub', 'report.html');
    const result = await run('--input', path, '--out', out);
    expect(result).toMatchObject({ exitCode: REPORT_EXIT.OK, spans: 14, skipped: 0 });
    expect(process.exitCode).toBe(0);
    expect(stdout.join('')).toBe(`${out}\n`);
    expect(stderr.join('')).toBe('openjoules report: 14 span(s) in 2 trace(s), 0 bad input(s) skipped\n');
    const html = readFileSync(out, 'utf8');
    // The two turns do not overlap in time, so they share one band of the timeline.
    expect(html.match(/<g class="band"/g)).toHaveLength(1);
    expect(new Set(html.match(/data-trace-id="[0-9a-f]{32}"/g))).toHaveProperty('size', 2);
    expect(html).toContain('data-kpi="turns" data-value="2"');
  });

  it('shows the hosted-API estimate in a section and KPI columns of its own; every measured figure as without it', async () => {
    const render = async (hosted: boolean): Promise<string> => {
      const f = new RunFixture();
      f.turn(0, 'c1', hosted);
      f.turn(20, 'c2', hosted);
      const out = join(tempDir(), 'report.html');
      expect((await run('--input', f.writeFile(), '--out', out)).exitCode).toBe(0);
      return readFileSync(out, 'utf8');
    };
    const html = await render(true);
    const plain = await render(false);
    expect(html).toContain('<section id="remote-energy"><h2>Hosted-API energy (estimate, not measured)</h2>');
    expect(html).toContain('data-remote-calls="4" data-remote-joules="700" data-remote-min-joules="480" data-remote-max-joules="920"');
    expect(html).toMatch(/≈ 700\.0 J<\/div><div class="k">estimated, 480\.0 J – 920\.0 J over 4 hosted calls · method <code>ecologits<\/code>/);
    expect(html).toContain('<tr data-remote-model="gpt-x"><td>gpt-x</td><td class="num">2</td><td class="num">100</td><td class="num" data-joules="600">');
    expect(html).toContain('<code>openjoules table (EcoLogits 0.11.3 models.json): openai/gpt-x&lt;b&gt;</code>');
    expect(html).toContain('data-kpi="energy_remote_min_joules" data-value="480"');
    expect(html).toContain('data-kpi="energy_remote_max_joules" data-value="920"');
    // Measured figures: the header total, every KPI cell, and the per-model and per-tool bars are those of the same
    // run without the estimate.
    const measured = (page: string): string[] => [
      /data-total-joules="[^"]*"/.exec(page)![0],
      ...[...page.matchAll(/data-kpi="(?!energy_remote_)[^"]*" data-value="[^"]*"/g)].map((m) => m[0]),
      ...[...page.matchAll(/data-(?:joules|calls)="[^"]*"/g)].map((m) => m[0]),
    ];
    const section = /<section id="remote-energy">[\s\S]*?<\/section>/;
    expect(measured(html.replace(section, ''))).toEqual(measured(plain));
    expect(plain).not.toContain('id="remote-energy"');
    expect(plain).not.toContain('data-kpi="energy_remote_');
  });

  it('--trace keeps one trace, and its value is not taken for an input', async () => {
    const { path, second } = twoTurns();
    const out = join(tempDir(), 'report.html');
    const result = await run('--trace', second, '-i', path, '-o', out);
    expect(result).toMatchObject({ exitCode: 0, spans: 7 });
    const html = readFileSync(out, 'utf8');
    expect(new Set(html.match(/data-trace-id="[0-9a-f]{32}"/g))).toEqual(new Set([`data-trace-id="${second}"`]));
  });

  it('reads every --input', async () => {
    const out = join(tempDir(), 'report.html');
    const result = await run('--input', twoTurns().path, '--input', twoTurns().path, '--out', out);
    expect(result).toMatchObject({ exitCode: 0, spans: 28 });
  });

  it('reports a bad line as file:line: reason, still writes the report, and exits 1', async () => {
    const f = new RunFixture();
    f.turn();
    const path = f.writeFile(['{not json']);
    const out = join(tempDir(), 'report.html');
    const result = await run('--input', path, '--out', out);
    expect(result).toMatchObject({ exitCode: REPORT_EXIT.SKIPPED, spans: 7, skipped: 1 });
    expect(stderr[0]).toMatch(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: malformed JSON`));
    expect(stderr.at(-1)).toBe('openjoules report: 7 span(s) in 1 trace(s), 1 bad input(s) skipped (see above)\n');
    expect(readFileSync(out, 'utf8')).toContain('data-skipped="1"');
  });

  it('--strict stops at the first bad line with exit 2 and writes nothing', async () => {
    const f = new RunFixture();
    f.turn();
    const out = join(tempDir(), 'report.html');
    const result = await run('--input', f.writeFile(['{not json']), '--out', out, '--strict');
    expect(result.exitCode).toBe(REPORT_EXIT.FAILED);
    expect(stderr.join('')).toContain('(--strict: stopped, nothing written)');
    expect(existsSync(out)).toBe(false);
  });

  it('exits 2 for no input, a missing file, a malformed or unknown trace id', async () => {
    const out = join(tempDir(), 'report.html');
    expect((await run('--out', out)).exitCode).toBe(2);
    expect((await run('--input', join(tempDir(), 'missing.jsonl'), '--out', out)).exitCode).toBe(2);
    expect((await run('--input', twoTurns().path, '--trace', 'xyz', '--out', out)).exitCode).toBe(2);
    expect((await run('--input', twoTurns().path, '--trace', 'f'.repeat(32), '--out', out)).exitCode).toBe(2);
    expect(stderr.join('')).toContain(`no spans of trace ${'f'.repeat(32)} (the input has 2 other traces); nothing written`);
    expect(existsSync(out)).toBe(false);
  });
});
