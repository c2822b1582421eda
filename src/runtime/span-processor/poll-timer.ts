/** An unref'd interval that runs only while there is something to poll for: it never keeps the host process alive. */
export class PollTimer {
  private _timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly _intervalMs: number,
    private readonly _poll: () => void,
  ) {}

  start(): void {
    if (this._timer) return;
    this._timer = setInterval(this._poll, this._intervalMs);
    this._timer.unref();
  }

  stop(): void {
    if (this._timer) clearInterval(this._timer);
    this._timer = undefined;
  }
}
