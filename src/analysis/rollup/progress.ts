/** A progress bar for long rollups: drawn only on a terminal, so pipes and log files get nothing extra. */
export interface Progress {
  /** Adds consumed input (characters ≈ bytes for OTLP/JSON, which is ASCII but for string values). */
  advance(amount: number): void;
  /** Clears the bar. */
  done(): void;
}

const WIDTH = 30;
const REDRAW_MS = 100;

/** A bar over `total` units on `stream` when it is a TTY; otherwise a no-op. */
export function createProgress(stream: NodeJS.WriteStream, total: number, label = 'rollup'): Progress {
  if (!stream.isTTY || total <= 0) return { advance: () => {}, done: () => {} };
  let consumed = 0;
  let lastDraw = 0;
  const started = Date.now();
  const draw = (): void => {
    const fraction = Math.min(consumed / total, 1);
    const filled = Math.round(fraction * WIDTH);
    const seconds = (Date.now() - started) / 1000;
    const rate = seconds > 0 ? consumed / 1e6 / seconds : 0;
    stream.write(`\r${label} [${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${rate.toFixed(1)} MB/s`);
  };
  return {
    advance(amount) {
      consumed += amount;
      const now = Date.now();
      if (now - lastDraw < REDRAW_MS) return;
      lastDraw = now;
      draw();
    },
    done() {
      stream.write('\r\u001b[2K');
    },
  };
}
