/**
 * `mkdir -p` that always ends. Node's own `mkdir(path, { recursive: true })` never returns for some paths (a
 * directory under `/proc`: the kernel answers ENOENT for the missing parent and the recursion retries forever, at
 * full CPU); this walks up at most once per path segment and down again, one plain `mkdir` each.
 */
import { mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/** Creates `dir` and its missing parents; rejects with the first error that is not "already exists". */
export async function makeDirectory(dir: string): Promise<void> {
  const missing: string[] = [];
  let current = resolve(dir);
  // Walk up to the nearest directory that exists (bounded: the root's dirname is itself).
  for (;;) {
    const found = await stat(current).then(
      (s) => s,
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return undefined;
        throw error;
      },
    );
    if (found) {
      if (!found.isDirectory()) throw Object.assign(new Error(`${current} is not a directory`), { code: 'ENOTDIR' });
      break;
    }
    missing.push(current);
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const path of missing.reverse()) {
    await mkdir(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error; // another process made it meanwhile
    });
  }
}
