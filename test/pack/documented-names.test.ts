// Every setting a user can give — an environment variable src/ reads, a CLI command and its flags — is named in the
// docs, so adding one without documenting it fails here rather than surprising a reader.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ArgsDef, CommandDef } from 'citty';
import { describe, expect, it } from 'vitest';
import { COMMANDS, type CommandName } from '../../src/analysis/cli/commands.js';

const root = join(import.meta.dirname, '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const docs = [readme, ...readdirSync(join(root, 'docs')).map((f) => readFileSync(join(root, 'docs', f), 'utf8'))].join('\n');

/** Every .ts file under dir. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name));
}

/** Code without its comments (a variable named only in a comment is not read). */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

/** Names of environment variables src/ reads: whole OPENJOULES_* / OTEL_* names in its code. */
function envVarsRead(): string[] {
  const names = new Set<string>();
  for (const file of sources(join(root, 'src'))) {
    for (const m of code(readFileSync(file, 'utf8')).matchAll(/\b((?:OPENJOULES|OTEL)_[A-Z0-9_]*[A-Z0-9])\b/g)) names.add(m[1]!);
  }
  return [...names].sort();
}

/** Documented by name, or by a `PREFIX_*` family the docs name (`OTEL_BSP_*`, `OTEL_EXPORTER_OTLP_*`). */
function documented(name: string): boolean {
  if (docs.includes(name)) return true;
  return [...docs.matchAll(/`([A-Z0-9_]+_)\*`/g)].some((m) => name.startsWith(m[1]!));
}

describe('documented names', () => {
  it('every OPENJOULES_* and OTEL_* variable src/ reads is in README.md or docs/', () => {
    const read = envVarsRead();
    expect(read).toContain('OPENJOULES_VLLM_METRICS_URL');
    expect(read.filter((name) => !documented(name))).toEqual([]);
  });

  it('every OPENJOULES_* variable src/ reads is in the README itself', () => {
    expect(envVarsRead().filter((n) => n.startsWith('OPENJOULES_') && !readme.includes(n))).toEqual([]);
  });

  it.each(Object.keys(COMMANDS) as CommandName[])('openjoules %s and each of its flags are in the README CLI reference', async (name) => {
    expect(readme).toContain('### CLI reference');
    const reference = readme.slice(readme.indexOf('### CLI reference'));
    const row = reference.split('\n').find((line) => line.startsWith(`| \`${name}\` |`));
    expect(row, `a row for ${name}`).toBeDefined();
    const command: CommandDef = await COMMANDS[name].load();
    const args = (command.args ?? {}) as ArgsDef;
    const common = ['input', 'strict'];
    const missing = Object.keys(args).filter((flag) => !common.includes(flag) && !row!.includes(`--${flag}`));
    expect(missing, name).toEqual([]);
  });
});
