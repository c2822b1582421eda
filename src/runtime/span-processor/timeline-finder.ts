import type { EnergySampler } from '../energy/sampler/sampler.js';
import { sharedEnergySampler } from '../energy/sampler/shared-sampler.js';
import type { EnergyTimeline } from '../energy/timeline/timeline.js';
import type { EnergySpanProcessorOptions } from './energy-span-processor-options.js';

/**
 * The timeline a span processor reads: the one given (even undefined: no energy), the given sampler's, or the
 * process-wide sampler's. At hand now when it can be (a timeline, a started sampler), so spans started right after the
 * processor get energy; else a promise that never rejects (undefined: no energy). Errors go to `log`, once per place.
 */
export function findTimeline(
  options: EnergySpanProcessorOptions,
  log: (where: string, error: unknown) => void,
): EnergyTimeline | undefined | Promise<EnergyTimeline | undefined> {
  if ('timeline' in options) return options.timeline;
  const timelineOf = (ready: EnergySampler | undefined): EnergyTimeline | undefined => {
    try {
      return ready?.timeline;
    } catch (error) {
      log('sampler', error);
      return undefined;
    }
  };
  const sampler = options.sampler ?? sharedEnergySampler();
  if (!isPromiseLike(sampler)) return timelineOf(sampler);
  return Promise.resolve(sampler).then(timelineOf, (error: unknown) => {
    log('sampler', error);
    return undefined;
  });
}

export function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | undefined)?.then === 'function';
}
