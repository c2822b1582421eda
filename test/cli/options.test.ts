// Option lists derived from each command's own argument definitions: no command keeps a second list of its flags.
import { execFileSync } from 'node:child_process';
import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ArgsDef, CommandDef } from 'citty';
import { describe, expect, it } from 'vitest';
import { COMMANDS, type CommandName } from '../../src/analysis/cli/commands.js';
import { collectInputs } from '../../src/analysis/cli/inputs.js';
import { knownFlags, unknownFlag, valueFlags } from '../../src/analysis/cli/options.js';

const ARGS: ArgsDef = {
  input: { type: 'string', alias: 'i' },
  out: { type: 'string', alias: ['o'] },
  'grid-intensity': { type: 'string' },
  format: { type: 'enum', options: ['csv', 'json'] },
  strict: { type: 'boolean' },
};

describe('options from argument definitions', () => {
  it('value flags: every string and enum option, in each spelling citty accepts', () => {
    expect(valueFlags(ARGS)).toEqual(['--input', '-i', '--out', '-o', '--grid-intensity', '--gridIntensity', '--format']);
  });

  it('known flags add the booleans and their negations', () => {
    expect([...knownFlags(ARGS)].filter((f) => f.includes('strict'))).toEqual(['--strict', '--no-strict']);
  });

  it('an unknown option is found, and a value that looks like an option is not one', () => {
    expect(unknownFlag(['-i', 'a', '--out', '-weird-name', '--strict', '--format=csv'], ARGS)).toBeUndefined();
    expect(unknownFlag(['-i', 'a', '--daily-backfill', '2026-04-24'], ARGS)).toBe('--daily-backfill');
    expect(unknownFlag(['--', '--not-a-flag'], ARGS)).toBeUndefined();
  });

  it('collects repeated --input / -i values and positionals, never another option’s value', () => {
    const takes = valueFlags(ARGS);
    expect(collectInputs(['--input', 'a', '-i', 'b', '--input=c', '--out', 'x.json', '--strict', 'd', '-'], takes)).toEqual(['a', 'b', 'c', 'd', '-']);
    expect(collectInputs(['--gridIntensity', '400', '-i', 'x', '--', '-y'], takes)).toEqual(['x', '-y']);
  });

  it.each(Object.keys(COMMANDS) as CommandName[])('%s: every value option of its definition is skipped as an input', async (name) => {
    const command: CommandDef = await COMMANDS[name].load();
    const args = (command.args ?? {}) as ArgsDef;
    for (const flag of valueFlags(args).filter((f) => f !== '--input' && f !== '-i')) {
      expect(collectInputs([flag, 'VALUE', '-i', 'in.jsonl'], valueFlags(args)), `${name} ${flag}`).toEqual(['in.jsonl']);
    }
  });

  it('src/analysis/cli holds no hand-kept list of value flags', () => {
    const dir = join(import.meta.dirname, '..', '..', 'src', 'analysis', 'cli');
    for (const name of Object.keys(COMMANDS)) {
      expect(readFileSync(join(dir, `${name}.ts`), 'utf8'), name).not.toMatch(/collectInputs\(/);
    }
  });
});

describe('openjoules --help loads nothing heavy', () => {
  /** Runs the CLI with a preload that logs every module loaded; returns those lines. */
  function loadsOf(...argv: string[]): string[] {
    const log = join(mkdtempSync(join(tmpdir(), 'oj-loads-')), 'loads.txt');
    const preload = join(import.meta.dirname, 'helpers', 'record-loads.mjs');
    const main = join(import.meta.dirname, '..', '..', 'src', 'analysis', 'cli', 'main.ts');
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--import', preload, main, ...argv], { encoding: 'utf8', env: { ...process.env, OJ_LOAD_LOG: log } });
    expect(out).toMatch(/USAGE/);
    return readFileSync(log, 'utf8').trim().split('\n');
  }
  const HEAVY = /koffi|sql\.js|sql-wasm|apache-arrow|hyparquet/;

  it('openjoules --help: no koffi, sql.js, apache-arrow or Parquet writer, and no subcommand module', () => {
    const loads = loadsOf('--help');
    expect(loads.length).toBeGreaterThan(5);
    expect(loads.filter((l) => HEAVY.test(l))).toEqual([]);
    const commandModules = loads.filter((l) => /\/src\/cli\/(summary|devices|rollup|stats|export|report)\.ts$/.test(l));
    expect(commandModules).toEqual([]);
  });

  it.each(['stats', 'rollup', 'devices', 'export'])('openjoules %s --help: no heavy module either', (name) => {
    expect(loadsOf(name, '--help').filter((l) => HEAVY.test(l))).toEqual([]);
  });
});
