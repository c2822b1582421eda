import { Worker } from 'node:worker_threads';
import { samplerWorkerEnv } from '../../runtime/energy/sampler/worker-env.js';

/**
 * How long idle rollup workers are kept for the next rollup in this process. A worker's first range runs before its
 * code is optimised (about 0.3–0.8 s of a core more than a warm one on the bench's 50 MB ranges), so a process that
 * rolls up again soon (a service's hourly rollup, the bench's rounds) reuses them. Idle workers never keep the
 * process alive.
 */
const IDLE_WORKER_MS = 30_000;

const idle: Worker[] = [];
let idleTimer: NodeJS.Timeout | undefined;

/** `n` rollup workers for one run: idle ones first, new ones for the rest. Give them back with {@link releaseWorkers}. */
export function acquireWorkers(n: number): Worker[] {
  const workers = idle.splice(0, n);
  if (idle.length === 0 && idleTimer !== undefined) {
    clearTimeout(idleTimer);
    idleTimer = undefined;
  }
  while (workers.length < n) workers.push(spawnRollupWorker());
  for (const worker of workers) worker.ref();
  return workers;
}

/** Hands back workers after a run: healthy ones are kept idle (unreferenced) for {@link IDLE_WORKER_MS}, others ended. */
export function releaseWorkers(workers: readonly Worker[], healthy: boolean): void {
  for (const worker of workers) {
    worker.removeAllListeners('message');
    worker.removeAllListeners('error');
    worker.removeAllListeners('exit');
    if (!healthy) {
      void worker.terminate();
      continue;
    }
    worker.on('error', () => dropIdle(worker));
    worker.on('exit', () => dropIdle(worker));
    worker.unref();
    idle.push(worker);
  }
  if (idle.length === 0) return;
  if (idleTimer !== undefined) clearTimeout(idleTimer);
  idleTimer = setTimeout(endIdleWorkers, IDLE_WORKER_MS);
  idleTimer.unref();
}

/** Ends the idle workers (the idle timer does, {@link IDLE_WORKER_MS} after the last run). */
function endIdleWorkers(): void {
  if (idleTimer !== undefined) clearTimeout(idleTimer);
  idleTimer = undefined;
  for (const worker of idle.splice(0)) void worker.terminate();
}

function dropIdle(worker: Worker): void {
  const i = idle.indexOf(worker);
  if (i >= 0) idle.splice(i, 1);
}

/**
 * A rollup worker: the built worker next to this file, or, running from TypeScript sources (tests, tsx), the
 * TypeScript one through tsx. Without the host's preloads (worker-env.ts), as the sampler's worker.
 */
function spawnRollupWorker(): Worker {
  const here = import.meta.url;
  const options = { name: 'openjoules-rollup', execArgv: [], env: samplerWorkerEnv(process.env) };
  if (here.endsWith('.ts')) {
    const url = new URL('./rollup-worker.ts', here).href;
    const code = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(url)}); })`;
    return new Worker(code, { ...options, eval: true });
  }
  return new Worker(new URL('./rollup-worker.js', here), options);
}
