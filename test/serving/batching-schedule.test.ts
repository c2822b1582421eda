// The e2e tier's batching schedule end to end without servers: vLLM-shaped spans and an exact timeline of the power
// the schedule draws, through `attributeSpans`, against each request's truth worked out from the schedule itself.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { attributeSpans } from '../../src/analysis/serving/attribute-spans.js';
import { batchingSchedule, nvmlProfileLine, schedulePower, SCHEDULE_END_MS, trueShares } from './helpers/batching-schedule.js';
import { gpu, joulesBetween, sampleProfile, writeTimelineFile } from './helpers/power-profile.js';
import { readRecords, ServiceSpans } from './helpers/span-files.js';
import { agentCall, emitVllmRequestSpan } from './helpers/vllm-engine.js';

const S = Date.UTC(2026, 0, 1, 12, 0, 0);
const IDLE_BEFORE_MS = 500;

describe('the batching schedule, attributed', () => {
  const schedule = batchingSchedule(S);
  const steps = schedulePower(schedule, S, IDLE_BEFORE_MS);

  it('the NVML double profile line draws the same power', () => {
    const init = S - IDLE_BEFORE_MS;
    const line = nvmlProfileLine(steps, init);
    const parsed: [number, number][] = [];
    let t = init;
    for (const segment of line.slice('profile='.length).split(',')) {
      const [ms, mw] = segment.split(':').map(Number) as [number, number];
      parsed.push([t, mw / 1000]);
      t += ms;
    }
    expect(joulesBetween(parsed, init, S + SCHEDULE_END_MS)).toBeCloseTo(joulesBetween(steps, init, S + SCHEDULE_END_MS), 9);
    expect(parsed.length).toBeLessThanOrEqual(32); // the double's MAX_SEGMENTS
  });

  for (const rule of ['fair', 'tokens'] as const) {
    it(`${rule}: every request's share, prefill and decode equal the schedule's truth; requests + idle = device`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'oj-batching-'));
      const spans = new ServiceSpans();
      const agent = spans.tracer('agent');
      const vllm = spans.tracer('vllm');
      for (const r of schedule) emitVllmRequestSpan(vllm, r, agentCall(agent, 'toy-lm-1b', r.arrivalMs - 5, r.lastTokenMs + 10).headers);
      const timeline = join(dir, 'timeline.jsonl');
      writeTimelineFile(timeline, [{ device: gpu(), ...sampleProfile(steps, S - IDLE_BEFORE_MS, S + SCHEDULE_END_MS, 10) }]);
      const out = join(dir, 'out.jsonl');
      const result = await attributeSpans({ inputs: [await spans.write(join(dir, 'spans.jsonl'))], timeline: [timeline], out, rule });
      const { windowStartMs, windowEndMs } = result.attribution;
      const truth = trueShares(schedule, steps, rule, windowStartMs, windowEndMs);
      const records = await readRecords([out]);
      for (const r of schedule) {
        const span = records.find((s) => s.attributes['gen_ai.request.id'] === r.id)!;
        const t = truth.shares.get(r.id)!;
        expect(span.attributes['energy.joules'], r.id).toBeCloseTo(t.joules, 6);
        expect(span.attributes['energy.prefill.joules'], r.id).toBeCloseTo(t.prefill, 6);
        expect(span.attributes['energy.decode.joules'], r.id).toBeCloseTo(t.decode, 6);
      }
      expect(result.attribution.idleJoules).toBeCloseTo(truth.idle, 6);
      expect(result.attribution.deviceJoules).toBeCloseTo(truth.device, 6);
    });
  }

  it('the two rules differ where prefill and decode share the GPU', () => {
    const fair = trueShares(schedule, steps, 'fair', S, S + SCHEDULE_END_MS).shares;
    const tokens = trueShares(schedule, steps, 'tokens', S, S + SCHEDULE_END_MS).shares;
    // r2 prefills 300 tokens in 200 ms while r1 decodes 40 tok/s: tokens gives r2 nearly all of that stretch.
    expect(tokens.get('r2')!.prefill).toBeGreaterThan(1.9 * fair.get('r2')!.prefill);
    expect(tokens.get('r1')!.decode).toBeLessThan(fair.get('r1')!.decode);
  });
});
