// The worker thread of `rollup` (parallel-rollup.ts): folds the byte ranges it is sent, one at a time, and posts
// each result back with its typed arrays transferred, and its progress as it reads.
import { parentPort } from 'node:worker_threads';
import { foldRange, transferables, type RangeTask } from './fold-range.js';
import type { RollupWindow } from './windows.js';

const port = parentPort!;

port.on('message', (message: { index: number; task: RangeTask; window: RollupWindow }) => {
  foldRange(message.task, message.window, (bytes) => port.postMessage({ type: 'progress', bytes })).then(
    (result) => port.postMessage({ type: 'result', index: message.index, result }, transferables(result)),
    (error: unknown) => port.postMessage({ type: 'error', index: message.index, message: error instanceof Error ? error.message : String(error) }),
  );
});
