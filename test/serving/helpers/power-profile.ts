// Piecewise-constant power profiles and the exact energy timelines they give, for the serving tests.
import { writeFileSync } from 'node:fs';
import type { DeviceSamples } from '../../../src/analysis/serving/serving-timeline.js';
import { formatDeviceLine, formatSampleLine, type TimelineDevice } from '../../../src/analysis/serving/timeline-format.js';
import type { DeviceInfo } from '../../../src/runtime/energy/sources/source.js';

/** Power as [from ms, watts] steps, in time order; each holds until the next; the last holds forever. */
export type PowerSteps = ReadonlyArray<readonly [number, number]>;

/** Watts at tMs. */
export function wattsAt(steps: PowerSteps, tMs: number): number {
  let watts = 0;
  for (const [from, w] of steps) if (tMs >= from) watts = w;
  return watts;
}

/** Exact joules between t0 and t1 (ms). */
export function joulesBetween(steps: PowerSteps, t0: number, t1: number): number {
  let joules = 0;
  for (let i = 0; i < steps.length; i++) {
    const from = Math.max(steps[i]![0], t0);
    const to = Math.min(i + 1 < steps.length ? steps[i + 1]![0] : Infinity, t1);
    if (to > from) joules += (steps[i]![1] * (to - from)) / 1000;
  }
  return joules;
}

/** Cumulative joules since `fromMs`, sampled every `stepMs` up to `toMs` (exact at each sample). */
export function sampleProfile(steps: PowerSteps, fromMs: number, toMs: number, stepMs: number): { timesMs: number[]; joules: number[] } {
  const timesMs: number[] = [];
  const joules: number[] = [];
  for (let t = fromMs; t <= toMs + 1e-9; t += stepMs) {
    timesMs.push(t);
    joules.push(joulesBetween(steps, fromMs, t));
  }
  return { timesMs, joules };
}

/** A GPU as a timeline device line describes it. */
export function gpu(id = 'nvml:0', component: TimelineDevice['component'] = 'gpu'): TimelineDevice {
  return { device: id, name: `Test ${id}`, hwType: component === 'gpu' ? 'gpu' : 'cpu', component, vendor: 'nvidia', source: id.split(':')[0]!, method: 'counter' };
}

/** One device's samples of a profile. */
export function deviceSamples(device: TimelineDevice, steps: PowerSteps, fromMs: number, toMs: number, stepMs = 100): DeviceSamples & { timesMs: number[]; joules: number[] } {
  return { device, ...sampleProfile(steps, fromMs, toMs, stepMs) };
}

/** Writes a timeline file of the given devices' samples, in the format `openjoules sample` writes. */
export function writeTimelineFile(path: string, devices: readonly DeviceSamples[]): void {
  const lines: string[] = [];
  for (const d of devices) {
    const info = { id: d.device.device, name: d.device.name, vendor: d.device.vendor, hwType: d.device.hwType, component: d.device.component, source: d.device.source, method: d.device.method } as DeviceInfo;
    lines.push(formatDeviceLine(info));
    for (let i = 0; i < d.timesMs.length; i++) lines.push(formatSampleLine(d.device.device, d.timesMs[i]!, d.joules[i]!, undefined));
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
}
