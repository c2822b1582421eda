// The embedded JSONL default keeps every span an agent makes: a local file takes a deeper queue and bigger batches
// than a network (bench/export/jsonl-throughput.ts measures rates; this checks the property at a rate a shared
// 2-core machine sustains, and the queue depth exactly).
import { trace, type Tracer } from '@opentelemetry/api';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JSONL_BATCH_DEFAULTS } from '../../src/runtime/setup/export-config.js';
import { startOpenJoules } from '../../src/runtime/setup/start.js';

function spansWritten(dir: string): number {
  let n = 0;
  for (const file of readdirSync(dir)) {
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      if (line) n += (line.match(/"spanId"/g) ?? []).length;
    }
  }
  return n;
}

/** Starts the embedded default (energy off) in a new directory; collects the one-line reports. */
async function jsonlPipeline(env: NodeJS.ProcessEnv = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'oj-jsonl-default-'));
  const lines: string[] = [];
  const openjoules = await startOpenJoules({ env, energy: false, outDir: dir, warn: (l) => lines.push(l) });
  return { dir, lines, openjoules };
}

/** Ends `count` spans of an agent's tool-call shape. */
function endSpans(tracer: Tracer, count: number, from = 0): void {
  for (let i = from; i < from + count; i++) {
    tracer.startSpan('execute_tool search', { attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'search', 'gen_ai.tool.call.id': `call_${i}` } }).end();
  }
}

describe('the embedded JSONL default', () => {
  it(`keeps a burst of 20000 spans ended in one turn of the event loop (queue ${JSONL_BATCH_DEFAULTS.maxQueueSize}); a network-sized queue (2048) could not`, async () => {
    for (const [env, written, dropped] of [
      [{}, 20_000, []],
      [
        { OTEL_BSP_MAX_QUEUE_SIZE: '2048', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '512' },
        2048 + 512, // the first batch went to the exporter, the queue behind it filled
        [/^openjoules: dropping spans for .*\.jsonl \(export queue full\)/, /^openjoules: 17440 span\(s\) dropped on the way to .*\(queue full: 17440, export failed: 0\)$/],
      ],
    ] as const) {
      const { dir, lines, openjoules } = await jsonlPipeline(env);
      endSpans(trace.getTracer('burst'), 20_000);
      await openjoules.shutdown();
      expect(spansWritten(dir)).toBe(written);
      expect(lines).toHaveLength(dropped.length);
      dropped.forEach((line, i) => expect(lines[i]).toMatch(line));
    }
  });

  it('loses no span from an agent that yields to the event loop, at 10000 spans/s for 2 s', async () => {
    const { dir, lines, openjoules } = await jsonlPipeline();
    const tracer = trace.getTracer('agent');
    const rate = 10_000;
    const started = performance.now();
    let offered = 0;
    while (performance.now() - started < 2000) {
      // The spans due by now, at most 10 ms worth a turn (a starved agent makes fewer, it does not catch up in one go).
      const due = Math.min(Math.floor((rate * (performance.now() - started)) / 1000) - offered, rate / 100);
      endSpans(tracer, due, offered);
      offered += due;
      await new Promise((resolve) => setImmediate(resolve));
    }
    const seconds = (performance.now() - started) / 1000;
    await openjoules.shutdown();
    console.log(`jsonl default: offered ${offered} spans in ${seconds.toFixed(2)} s (${Math.round(offered / seconds)}/s), written ${spansWritten(dir)}`);
    expect(offered).toBeGreaterThan(rate); // at least half the target made it through this machine
    expect(spansWritten(dir)).toBe(offered);
    expect(lines).toEqual([]);
  });
});
