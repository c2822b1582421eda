/**
 * Splits powermetrics' `-f plist` output into documents and reads the energy of each sample.
 *
 * The stream is XML plist documents separated by NUL bytes (man page: "NUL-separated"); depending on the release the
 * NUL ends a document or starts the next one, so a document is taken as complete when its `</plist>` has arrived.
 * A last document cut off by a kill has no `</plist>` and is never parsed. Duplicate keys (the `gpu` dict repeats
 * `idle_ns`) are accepted: the plist parser keeps the last value.
 */
import type * as Plist from 'plist';

type PlistValue = Plist.PlistValue;

/**
 * The plist parser (and the XML libraries under it) loads when a powermetrics source opens, not with
 * `import 'openjoules'`: only a Mac reading powermetrics needs it. (plist is ESM-only, so it cannot be required
 * synchronously on first use.)
 */
let plist: typeof Plist | undefined;

/** Loads the plist parser; {@link PowermetricsStream} and {@link parseSample} need it loaded first. */
export async function loadPlistParser(): Promise<void> {
  plist ??= await import('plist');
}

function parse(doc: string): PlistValue {
  if (!plist) throw new Error('plist parser not loaded (loadPlistParser)');
  return plist.parse(doc);
}

/** One powermetrics sample: energies consumed during the interval, and average power over it. */
export interface PowermetricsSample {
  /** Length of the interval, ns (`elapsed_ns`: the real interval, not the requested `-i`). */
  readonly elapsedNs: number;
  readonly cpuEnergyMillijoules?: number;
  readonly gpuEnergyMillijoules?: number;
  readonly aneEnergyMillijoules?: number;
  readonly cpuPowerMilliwatts?: number;
  readonly gpuPowerMilliwatts?: number;
  readonly anePowerMilliwatts?: number;
}

const END = '</plist>';

/** Incremental splitter: feed stdout chunks, get complete samples back. */
export class PowermetricsStream {
  private _pending = '';
  private _errors = 0;

  /** Documents that were complete but not a readable sample. */
  get errors(): number {
    return this._errors;
  }

  /** Bytes held for an incomplete document. */
  get pendingLength(): number {
    return this._pending.replace(/[\0\s]/g, '').length;
  }

  /** Adds a chunk of stdout; returns the samples completed by it. */
  push(chunk: string): PowermetricsSample[] {
    this._pending += chunk;
    const samples: PowermetricsSample[] = [];
    for (;;) {
      const end = this._pending.indexOf(END);
      if (end < 0) break;
      const doc = this._pending.slice(0, end + END.length).replace(/^[\0\s]+/, '');
      this._pending = this._pending.slice(end + END.length);
      const sample = parseSample(doc);
      if (sample) samples.push(sample);
      else this._errors++;
    }
    // Keep the tail bounded if the producer never closes a document.
    if (this._pending.length > 16 * 1024 * 1024) this._pending = '';
    return samples;
  }
}

/** Parses one plist document; undefined when it is not a powermetrics sample. */
export function parseSample(doc: string): PowermetricsSample | undefined {
  let root: PlistValue;
  try {
    root = parse(doc);
  } catch {
    return undefined;
  }
  if (!isDict(root)) return undefined;
  const elapsedNs = num(root.elapsed_ns);
  if (elapsedNs === undefined || elapsedNs <= 0) return undefined;
  const processor = isDict(root.processor) ? root.processor : {};
  const gpu = isDict(root.gpu) ? root.gpu : {};
  return {
    elapsedNs,
    cpuEnergyMillijoules: num(processor.cpu_energy),
    // Older releases put the GPU's energy only in the `gpu` dict.
    gpuEnergyMillijoules: num(processor.gpu_energy) ?? num(gpu.gpu_energy),
    aneEnergyMillijoules: num(processor.ane_energy),
    cpuPowerMilliwatts: num(processor.cpu_power),
    gpuPowerMilliwatts: num(processor.gpu_power),
    anePowerMilliwatts: num(processor.ane_power),
  };
}

function isDict(value: PlistValue | undefined): value is { readonly [key: string]: PlistValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date) && !Buffer.isBuffer(value);
}

function num(value: PlistValue | undefined): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
