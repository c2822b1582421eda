import { createReadStream } from 'node:fs';
import { listSpanInputs, readLines } from '../otlp/read-spans.js';
import { formatIssue, type ReadIssue } from '../otlp/span-record.js';
import { ServingTimeline, type DeviceSamples } from './serving-timeline.js';
import { parseTimelineLine, type TimelineDevice } from './timeline-format.js';

/** Options of {@link readServingTimeline}. */
export interface ReadTimelineOptions {
  /** Devices to use, by id (`nvml:0`); default every GPU in the files. */
  readonly devices?: readonly string[];
  /** Keep only samples near this window (epoch ms), so a long timeline read for one hour of spans stays small. */
  readonly fromMs?: number;
  readonly toMs?: number;
  /** Called once per bad line, with file:line and a one-line reason. The rest is still read. */
  readonly onIssue?: (issue: ReadIssue) => void;
  /** Stop at the first bad line by throwing {@link TimelineInputError}. */
  readonly strict?: boolean;
}

/** Thrown only in strict mode, carrying the first issue; or for a selection that leaves no device. */
export class TimelineInputError extends Error {
  readonly code = 'OJ_BAD_TIMELINE_INPUT';
  constructor(readonly issue: ReadIssue) {
    super(formatIssue(issue));
  }
}

/** Samples kept either side of the window, so the window's edges can be interpolated (ms). */
const WINDOW_MARGIN_MS = 60_000;

/**
 * Reads energy timeline files (`openjoules sample` output: files, or directories searched recursively for *.jsonl)
 * into a {@link ServingTimeline} of the chosen devices. Samples of one device may span several files (rotation, a
 * restarted sampler); they are merged in time order and a restart shows as a gap.
 */
export async function readServingTimeline(inputs: readonly string[], options: ReadTimelineOptions = {}): Promise<ServingTimeline> {
  const from = (options.fromMs ?? -Infinity) - WINDOW_MARGIN_MS;
  const to = (options.toMs ?? Infinity) + WINDOW_MARGIN_MS;
  const devices = new Map<string, TimelineDevice>();
  const samples = new Map<string, { t: number[]; j: number[] }>();
  const report = (issue: ReadIssue): void => {
    if (options.strict) throw new TimelineInputError(issue);
    options.onIssue?.(issue);
  };
  for (const file of await listSpanInputs(inputs)) {
    if (file === '-') {
      report({ file: '-', line: 0, reason: 'the timeline cannot be read from stdin; give a file or directory' });
      continue;
    }
    for await (const { line, text } of readLines(createReadStream(file, { highWaterMark: 1 << 20 }))) {
      if (text.trim() === '') continue;
      const parsed = parseTimelineLine(text);
      if (parsed.kind === 'bad') {
        report({ file, line, reason: parsed.reason });
      } else if (parsed.kind === 'device') {
        if (!devices.has(parsed.device.device)) devices.set(parsed.device.device, parsed.device);
      } else {
        const s = parsed.sample;
        if (!devices.has(s.device)) {
          report({ file, line, reason: `${s.device}: a sample before its device line; taken as a GPU` });
          devices.set(s.device, { device: s.device, name: '', hwType: 'gpu', component: 'gpu', vendor: '', source: '', method: '' });
        }
        if (s.timeUnixMs < from || s.timeUnixMs > to) continue;
        let list = samples.get(s.device);
        if (!list) samples.set(s.device, (list = { t: [], j: [] }));
        list.t.push(s.timeUnixMs);
        list.j.push(s.joules);
      }
    }
  }
  const wanted = options.devices && options.devices.length > 0 ? [...options.devices] : [...devices.values()].filter((d) => d.hwType === 'gpu').map((d) => d.device);
  const unknown = wanted.filter((id) => !devices.has(id));
  if (unknown.length > 0) {
    throw new TimelineInputError({ file: inputs.join(', '), line: 0, reason: `no device ${unknown.join(', ')} in the timeline (it has: ${[...devices.keys()].join(', ') || 'none'})` });
  }
  if (wanted.length === 0) {
    throw new TimelineInputError({ file: inputs.join(', '), line: 0, reason: `no GPU in the timeline (it has: ${[...devices.keys()].join(', ') || 'none'}); choose devices with --devices` });
  }
  return new ServingTimeline(wanted.map((id) => sortedSamples(devices.get(id)!, samples.get(id))));
}

/** A device's samples in time order, one per instant (the first read wins). */
function sortedSamples(device: TimelineDevice, list: { t: number[]; j: number[] } | undefined): DeviceSamples {
  if (!list) return { device, timesMs: [], joules: [] };
  const order = list.t.map((_, i) => i).sort((a, b) => list.t[a]! - list.t[b]! || a - b);
  const times: number[] = [];
  const joules: number[] = [];
  for (const i of order) {
    if (times.length > 0 && times[times.length - 1] === list.t[i]) continue;
    times.push(list.t[i]!);
    joules.push(list.j[i]!);
  }
  return { device, timesMs: times, joules };
}
