import { createReadStream } from 'node:fs';
import { decodeTraceDocument } from '../otlp/decode.js';
import { listSpanInputs, readLines } from '../otlp/read-spans.js';
import { ATTR_ENERGY_DEVICE_IDS } from '../../semconv.js';
import { HostShares } from './host-shares.js';

/**
 * Pass 1 of a one-pass command (`rollup`): the shares across processes of every span with device readings in the input
 * files, resolved, or undefined when no span carries readings. Only files, then lines, that name `energy.device.ids` are
 * decoded: a file without readings costs a byte scan, one with readings a second parse of the lines that carry them. Bad lines are skipped silently here (the command's own pass
 * reports them). Stdin cannot be read twice: with `-` among the inputs this returns undefined, and the spans keep the
 * shares their processes recorded.
 */
export async function hostSharesFromFiles(inputs: readonly string[]): Promise<HostShares | undefined> {
  if (inputs.includes('-')) return undefined;
  const shares = new HostShares();
  for (const file of await listSpanInputs(inputs)) {
    if (!(await mentions(file, NEEDLE))) continue;
    for await (const { text } of readLines(createReadStream(file, { highWaterMark: 1 << 20 }))) {
      if (!text.includes(ATTR_ENERGY_DEVICE_IDS)) continue;
      let doc: unknown;
      try {
        doc = JSON.parse(text);
      } catch {
        continue;
      }
      for (const span of decodeTraceDocument(doc).spans) shares.add(span);
    }
  }
  if (shares.size === 0) return undefined;
  shares.resolve();
  return shares;
}

const NEEDLE = Buffer.from(ATTR_ENERGY_DEVICE_IDS);

/** Whether the file's bytes contain `needle` (read in 1 MiB chunks; stops at the first hit). */
async function mentions(file: string, needle: Buffer): Promise<boolean> {
  let tail: Buffer = Buffer.alloc(0);
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    const bytes = tail.length > 0 ? Buffer.concat([tail, chunk]) : chunk;
    if (bytes.includes(needle)) return true;
    tail = bytes.subarray(Math.max(0, bytes.length - needle.length + 1));
  }
  return false;
}
