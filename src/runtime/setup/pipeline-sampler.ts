import { energyConfigFromEnv, type EnergyConfig } from '../energy/sources/config.js';
import { startEnergySampler, startInProcessSampler, type EnergySampler } from '../energy/sampler/sampler.js';
import { sharedEnergySampler, shutdownSharedEnergySampler } from '../energy/sampler/shared-sampler.js';
import type { EnergySource } from '../energy/sources/source.js';

// The energy sampler of a startOpenJoules pipeline: the process-wide one, or one of its own.

/** The pipeline's sampler: resolves (never rejects) to it, or undefined; `stop` stops it however it was made. */
export interface PipelineSampler {
  readonly sampler: Promise<EnergySampler | undefined>;
  stop(): Promise<void>;
}

/**
 * From the environment (the default): the process-wide sampler, so a host's own EnergySpanProcessor or resource
 * detector shares it. From an EnergyConfig or sources given in code: a sampler of this pipeline's own.
 */
export function startSampler(
  energy: false | EnergyConfig | readonly EnergySource[] | undefined,
  env: NodeJS.ProcessEnv,
  warn: (message: string) => void,
): PipelineSampler {
  if (energy === false) return { sampler: Promise.resolve(undefined), stop: async () => {} };
  if (energy === undefined) {
    const config = energyConfigFromEnv(env, warn);
    if (config.sources === 'none') return { sampler: Promise.resolve(undefined), stop: async () => {} };
    return { sampler: sharedEnergySampler(config), stop: () => shutdownSharedEnergySampler() };
  }
  const sampler = startOwnSampler(energy, warn);
  return { sampler, stop: async () => (await sampler)?.shutdown() };
}

async function startOwnSampler(energy: EnergyConfig | readonly EnergySource[], warn: (message: string) => void): Promise<EnergySampler | undefined> {
  try {
    if (Array.isArray(energy)) return energy.length > 0 ? startInProcessSampler([...energy]) : undefined;
    const config = energy as EnergyConfig;
    if (config.sources === 'none') return undefined;
    const sampler = await startEnergySampler(config);
    if (sampler.status().devices.length === 0) {
      const reasons = sampler.status().unavailable.map((u) => `${u.source}: ${u.reason}`);
      warn(`openjoules: no energy source found; spans carry no joules (${reasons.join('; ') || 'nothing detected'})`);
      await sampler.shutdown();
      return undefined;
    }
    return sampler;
  } catch (error) {
    warn(`openjoules: energy sampler failed to start (${(error as Error).message}); spans carry no joules`);
    return undefined;
  }
}
