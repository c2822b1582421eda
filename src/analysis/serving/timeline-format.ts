/**
 * The energy timeline file `openjoules sample` writes and `openjoules attribute` reads: JSON lines, two kinds.
 *
 *   {"device":"nvml:0","name":"NVIDIA H100 80GB HBM3","hwType":"gpu","component":"gpu","vendor":"nvidia","source":"nvml","method":"counter"}
 *   {"device":"nvml:0","timeUnixMs":1767225600020,"joules":1532.118204,"watts":301.25}
 *
 * A device line describes a device once per file, before its samples. A sample line gives the device's cumulative
 * joules at an instant (epoch ms): joules since that sampler started, so only differences within one sampler's run
 * mean anything; `watts` is the mean power since the device's previous sample line (joules delta / time delta), so
 * the file describes power as constant between two samples. Samples of one device are at increasing times.
 */
import type { DeviceInfo, EnergyComponent } from '../../runtime/energy/sources/source.js';

/** A device line. */
export interface TimelineDevice {
  readonly device: string;
  readonly name: string;
  readonly hwType: DeviceInfo['hwType'];
  readonly component: EnergyComponent;
  readonly vendor: string;
  readonly source: string;
  readonly method: string;
}

/** A sample line. */
export interface TimelineSample {
  readonly device: string;
  readonly timeUnixMs: number;
  readonly joules: number;
  readonly watts?: number;
}

/** The device line for a device the sampler measures. */
export function formatDeviceLine(info: DeviceInfo): string {
  const line: TimelineDevice = {
    device: info.id,
    name: info.name,
    hwType: info.hwType,
    component: info.component,
    vendor: info.vendor,
    source: info.source,
    method: info.method,
  };
  return JSON.stringify(line);
}

/** A sample line: joules kept to the microjoule, watts to the milliwatt. */
export function formatSampleLine(device: string, timeUnixMs: number, joules: number, watts: number | undefined): string {
  const line: TimelineSample = {
    device,
    timeUnixMs,
    joules: Math.round(joules * 1e6) / 1e6,
    ...(watts === undefined || !Number.isFinite(watts) ? {} : { watts: Math.round(watts * 1e3) / 1e3 }),
  };
  return JSON.stringify(line);
}

const HW_TYPES: ReadonlySet<string> = new Set(['gpu', 'cpu', 'memory', 'npu']);
const COMPONENTS: ReadonlySet<string> = new Set(['gpu', 'cpu', 'dram', 'ane']);

/** One parsed line: a device, a sample, or the one-line reason it is neither. */
export type TimelineLine = { readonly kind: 'device'; readonly device: TimelineDevice } | { readonly kind: 'sample'; readonly sample: TimelineSample } | { readonly kind: 'bad'; readonly reason: string };

/** Parses one line of a timeline file. */
export function parseTimelineLine(text: string): TimelineLine {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    return { kind: 'bad', reason: `malformed JSON (${(error as Error).message})` };
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return { kind: 'bad', reason: 'not a JSON object' };
  const o = doc as Record<string, unknown>;
  if (typeof o.device !== 'string' || o.device === '') return { kind: 'bad', reason: 'no "device" (not an openjoules energy timeline line)' };
  if ('timeUnixMs' in o) {
    if (typeof o.timeUnixMs !== 'number' || !Number.isFinite(o.timeUnixMs) || o.timeUnixMs < 0) return { kind: 'bad', reason: `${o.device}: "timeUnixMs" is not epoch milliseconds` };
    if (typeof o.joules !== 'number' || !Number.isFinite(o.joules)) return { kind: 'bad', reason: `${o.device}: "joules" is not a number` };
    const watts = typeof o.watts === 'number' && Number.isFinite(o.watts) ? o.watts : undefined;
    return { kind: 'sample', sample: { device: o.device, timeUnixMs: o.timeUnixMs, joules: o.joules, watts } };
  }
  if (typeof o.hwType === 'string') {
    if (!HW_TYPES.has(o.hwType)) return { kind: 'bad', reason: `${o.device}: "hwType" is "${o.hwType}" (gpu, cpu, memory or npu)` };
    const component = typeof o.component === 'string' && COMPONENTS.has(o.component) ? (o.component as EnergyComponent) : componentOf(o.hwType);
    const text = (v: unknown): string => (typeof v === 'string' ? v : '');
    return {
      kind: 'device',
      device: { device: o.device, name: text(o.name), hwType: o.hwType as DeviceInfo['hwType'], component, vendor: text(o.vendor), source: text(o.source), method: text(o.method) },
    };
  }
  return { kind: 'bad', reason: `${o.device}: neither a sample ("timeUnixMs", "joules") nor a device ("hwType")` };
}

function componentOf(hwType: string): EnergyComponent {
  return hwType === 'cpu' ? 'cpu' : hwType === 'memory' ? 'dram' : hwType === 'npu' ? 'ane' : 'gpu';
}
