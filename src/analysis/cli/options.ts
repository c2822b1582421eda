import type { ArgsDef } from 'citty';

/** The command-line spellings of one option: `--name`, its kebab and camel forms, and its aliases (`-o`, `--daily-backfill`). */
function spellings(name: string, aliases: readonly string[]): string[] {
  const names = new Set([name, kebab(name), camel(name), ...aliases]);
  return [...names].map((n) => (n.length === 1 ? `-${n}` : `--${n}`));
}

/**
 * The spellings of every option of `args` that takes a value (type `string` or `enum`), derived from the command's
 * own argument definitions, so no command keeps a second list of its flags. `input` is included: its values are
 * what {@link collectInputs} collects.
 */
export function valueFlags(args: ArgsDef): string[] {
  const out: string[] = [];
  for (const [name, def] of Object.entries(args)) {
    if (def.type === 'string' || def.type === 'enum') out.push(...spellings(name, aliasesOf(def)));
  }
  return out;
}

/** Every spelling `args` accepts, boolean negations (`--no-strict`) included. */
export function knownFlags(args: ArgsDef): Set<string> {
  const out = new Set<string>();
  for (const [name, def] of Object.entries(args)) {
    if (def.type === 'positional') continue;
    for (const s of spellings(name, aliasesOf(def))) out.add(s);
    if (def.type === 'boolean') for (const n of new Set([name, kebab(name), camel(name)])) out.add(`--no-${n}`);
  }
  return out;
}

/**
 * The first option on the command line that `args` does not define, or undefined. Values of value options are
 * skipped (`--out -x` names a file), and nothing after `--` is an option.
 */
export function unknownFlag(rawArgs: readonly string[], args: ArgsDef): string | undefined {
  const known = knownFlags(args);
  const takesValue = new Set(valueFlags(args));
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i]!;
    if (arg === '--') return undefined;
    if (arg === '-' || !arg.startsWith('-')) continue;
    const flag = arg.includes('=') ? arg.slice(0, arg.indexOf('=')) : arg;
    if (!known.has(flag)) return flag;
    if (takesValue.has(flag) && !arg.includes('=')) i++;
  }
  return undefined;
}

/** Every value of a repeatable flag (`--timeline a --timeline b`, `--timeline=a`); citty keeps only the last. */
export function collectFlag(rawArgs: readonly string[], names: readonly string[]): string[] {
  const values: string[] = [];
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i]!;
    if (arg === '--') break;
    if (names.includes(arg) && rawArgs[i + 1] !== undefined) values.push(rawArgs[++i]!);
    else for (const name of names) if (name.startsWith('--') && arg.startsWith(`${name}=`)) values.push(arg.slice(name.length + 1));
  }
  return values;
}

function aliasesOf(def: ArgsDef[string]): string[] {
  const alias = (def as { alias?: string | string[] }).alias;
  return alias === undefined ? [] : Array.isArray(alias) ? alias : [alias];
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function camel(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}
