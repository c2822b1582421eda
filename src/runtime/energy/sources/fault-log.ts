/**
 * The faults a source has seen since the sampler last asked ({@link EnergySource.faults}), one line each. Shared by the
 * vendor sources so that each says what went wrong, not how to keep the list.
 */
export class FaultLog {
  private _lines: string[];

  /** @param initial faults seen before the log existed (while opening the source). */
  constructor(initial: string[] = []) {
    this._lines = initial;
  }

  /** Records a fault. */
  add(message: string): void {
    this._lines.push(message);
  }

  /**
   * Records a fault about one device unless it is the one last recorded for that device: a device that keeps failing
   * the same way (a lost GPU, an unreadable file) is reported once, not at every read.
   */
  addFor(device: { lastFault: string | undefined }, message: string): void {
    if (device.lastFault === message) return;
    device.lastFault = message;
    this._lines.push(message);
  }

  /** The faults since the last call; the log starts afresh. Nothing is allocated when there were none (the usual read). */
  take(): string[] {
    const out = this._lines;
    if (out.length === 0) return out;
    this._lines = [];
    return out;
  }
}
