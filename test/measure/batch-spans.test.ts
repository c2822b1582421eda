// withEnergyBatch marks the spans started inside it: through a real SDK pipeline (the energy processor, a global
// AsyncLocalStorage context manager as the NodeSDK sets one up), each span started in the batch's function, however
// deep in its async calls, reaches the exporter with openjoules.batch.id; spans outside, and two batches at once, do not
// mix.
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withEnergyBatch } from '../../src/runtime/measure/energy-batch.js';
import { ATTR_OPENJOULES_BATCH_ID } from '../../src/semconv.js';
import { pipeline } from '../trace-energy/setup.js';

const manager = new AsyncLocalStorageContextManager();
beforeAll(() => {
  context.setGlobalContextManager(manager.enable());
});
afterAll(() => {
  manager.disable();
  context.disable();
});

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('withEnergyBatch spans', () => {
  it('stamps openjoules.batch.id on spans started inside the batch, not outside, and keeps concurrent batches apart', async () => {
    // Energy is not what is checked here: spans are let go at once, whatever the simulated devices cover.
    const p = pipeline([{ power: () => 100 }], { finalize: 'immediate' });
    p.at(1000);
    const call = async (name: string): Promise<void> => {
      await tick();
      await p.tracer.startActiveSpan(name, async (span) => {
        await tick();
        p.tracer.startSpan(`${name} inner`).end();
        span.end();
      });
    };
    await call('before');
    await Promise.all([
      withEnergyBatch(async () => {
        await call('a1');
        await call('a2');
      }, { batchId: 'batch-a', measure: false }),
      withEnergyBatch(() => call('b1'), { batchId: 'batch-b', measure: false }),
    ]);
    await call('after');
    // A span that names its batch itself keeps it.
    await withEnergyBatch(() => p.tracer.startSpan('own', { attributes: { [ATTR_OPENJOULES_BATCH_ID]: 'mine' } }).end(), {
      batchId: 'batch-c',
      measure: false,
    });
    await p.processor.forceFlush();
    const batchOf = (name: string) => p.recorder.spans.find((s) => s.name === name)?.attributes[ATTR_OPENJOULES_BATCH_ID];
    expect(['a1', 'a1 inner', 'a2', 'a2 inner'].map(batchOf)).toEqual(['batch-a', 'batch-a', 'batch-a', 'batch-a']);
    expect(['b1', 'b1 inner'].map(batchOf)).toEqual(['batch-b', 'batch-b']);
    expect(['before', 'before inner', 'after', 'after inner'].map(batchOf)).toEqual([undefined, undefined, undefined, undefined]);
    expect(batchOf('own')).toBe('mine');
    await p.provider.shutdown();
  });
});
