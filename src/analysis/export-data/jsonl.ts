import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { QueryTrace } from '../summary/trace.js';
import { queryTraceJson } from './query-trace-dict.js';

const FLUSH_CHARS = 1 << 20;

/**
 * The seed's `export_jsonl(traces, path)`: creates parent folders, overwrites the file (mode "w") and writes one
 * `json.dumps(to_dict())` per line. No traces give an empty file. Resolves to the path.
 */
export async function exportJsonl(traces: Iterable<QueryTrace>, path: string): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  const file = await open(path, 'w');
  try {
    let pending = '';
    for (const trace of traces) {
      pending += `${queryTraceJson(trace)}\n`;
      if (pending.length >= FLUSH_CHARS) {
        await file.write(pending);
        pending = '';
      }
    }
    if (pending !== '') await file.write(pending);
  } finally {
    await file.close();
  }
  return path;
}
