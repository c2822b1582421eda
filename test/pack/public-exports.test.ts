// Every export of `openjoules` and `openjoules/analysis` has TSDoc and is used by an example or a test, as the house
// rules ask; a new export without either fails here. The generated ATTR_/METRIC_/EVENT_ constants are checked against
// the registry by test/semconv instead.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import * as runtime from '../../src/index.js';
import * as analysis from '../../src/analytics.js';

const root = join(import.meta.dirname, '..', '..');
const ENTRY_POINTS = { 'src/index.ts': runtime, 'src/analytics.ts': analysis } as const;
const GENERATED = /^(ATTR|METRIC|EVENT)_/;

/** The text of every example and test file but this one. */
function usersText(): string {
  const self = join(import.meta.dirname, 'public-exports.test.ts');
  return ['examples', 'test']
    .flatMap((dir) => readdirSync(join(root, dir), { withFileTypes: true, recursive: true }))
    .filter((e) => e.isFile() && /\.(ts|mts|cts|mjs|cjs|js)$/.test(e.name) && join(e.parentPath, e.name) !== self)
    .map((e) => readFileSync(join(e.parentPath, e.name), 'utf8'))
    .join('\n');
}

describe('public exports', () => {
  it('each value export is used by name in examples/ or test/', () => {
    const text = usersText();
    const unused = Object.entries(ENTRY_POINTS).flatMap(([entry, mod]) =>
      Object.keys(mod)
        .filter((name) => !GENERATED.test(name) && !new RegExp(`\\b${name}\\b`).test(text))
        .map((name) => `${entry}: ${name}`),
    );
    expect(unused).toEqual([]);
  });

  it('each export, types included, has TSDoc', { timeout: 120_000 }, () => {
    const files = Object.keys(ENTRY_POINTS).map((f) => join(root, f));
    const program = ts.createProgram(files, {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      noEmit: true,
      skipLibCheck: true,
    });
    const checker = program.getTypeChecker();
    const undocumented = files.flatMap((file) => {
      const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(file)!)!;
      return checker
        .getExportsOfModule(moduleSymbol)
        .filter((exported) => {
          const target = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
          return ts.displayPartsToString(target.getDocumentationComment(checker)).trim() === '';
        })
        .map((exported) => `${file.slice(root.length + 1)}: ${exported.name}`);
    });
    expect(undocumented).toEqual([]);
  });
});
