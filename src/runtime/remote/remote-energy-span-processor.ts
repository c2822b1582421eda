/**
 * A span processor that only puts the hosted-API estimate (`energy.remote.*`) on model calls as they end, for a
 * pipeline whose energy processor may never start (no energy hardware here: the estimate does not need any). Placed
 * before the other processors, so they see the attributes. `EnergySpanProcessor` does the same itself by default.
 */
import type { Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import type { RemoteEnergyEstimator } from './remote-energy.js';

/** Sets `energy.remote.*` in onEnding; does nothing else. Needs an SDK that calls onEnding (sdk-trace ≥ 2.3). */
export class RemoteEnergySpanProcessor implements SpanProcessor {
  private _failed = false;

  constructor(private readonly _estimator: RemoteEnergyEstimator) {}

  onStart(): void {}

  onEnding(span: Span): void {
    if (this._failed) return;
    try {
      const start = span.startTime;
      const end = span.endTime;
      const remote = this._estimator.attributes(span.attributes, end[0] - start[0] + (end[1] - start[1]) / 1e9);
      if (remote) span.setAttributes(remote);
    } catch {
      // Never into the host: an estimate that cannot be made is left out from then on.
      this._failed = true;
    }
  }

  onEnd(): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
