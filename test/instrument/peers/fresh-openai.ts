// The peers hook `openai` by package name and support openai < 7 (the official 0.21 and OpenLLMetry) on Node 20, while
// the repo's `openai` is v7 and its v6 sits under the alias `openai-v6`. Each scenario gets its own copy of v6 at a path
// named `node_modules/openai`, require()d after the instrumentations are registered, so every require hook sees a
// fresh `openai` load.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import type OpenAIv6 from 'openai-v6';
import { repoRoot } from '../../helpers/build.js';

/** The type of the v6 `OpenAI` class. */
export type OpenAIClass = typeof OpenAIv6;

/** A freshly loaded openai v6, its module name `openai`; `remove()` deletes the copy. */
export function requireFreshOpenAI(): { OpenAI: OpenAIClass; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'oj-peer-openai-'));
  const source = join(repoRoot, 'node_modules', 'openai-v6');
  const sources = join(source, 'src');
  // The CommonJS build and package.json are all `require` needs (about a third of the package).
  cpSync(source, join(dir, 'node_modules', 'openai'), {
    recursive: true,
    filter: (path) => !/\.(d\.ts|d\.mts|map|mjs|mts)$/.test(path) && path !== sources && !path.startsWith(sources + sep),
  });
  const loaded = createRequire(join(dir, 'app.js'))('openai') as { OpenAI: OpenAIClass };
  return { OpenAI: loaded.OpenAI, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
