/**
 * One energy sampler per process, started on first use, so code that cannot `await` (a span processor built inside a
 * host's `--import` preload, a tracer provider constructed at module top level) still gets the process's devices.
 *
 * The first call starts {@link startEnergySampler}; every call returns the same promise. It never rejects: no device,
 * or a sampler that fails to start, resolves undefined after one warning line.
 */
import { energyConfigFromEnv, type EnergyConfig } from '../sources/config.js';
import { startEnergySampler, type EnergySampler } from './sampler.js';

let shared: Promise<EnergySampler | undefined> | undefined;

/**
 * The process-wide sampler: started once, on the first call, from `config` (default: the environment, read then).
 * Later calls return the same promise and ignore `config`. Resolves undefined (with one `console.warn` line) when no
 * energy source opened; resolves undefined silently for `OPENJOULES_ENERGY_SOURCES=none`. Never rejects.
 */
export function sharedEnergySampler(config?: EnergyConfig): Promise<EnergySampler | undefined> {
  shared ??= start(config);
  return shared;
}

/**
 * Stops the process-wide sampler, if one was started; the next {@link sharedEnergySampler} call starts a new one.
 * The sampler's worker never keeps the process alive, so calling this is optional. Never rejects.
 */
export async function shutdownSharedEnergySampler(): Promise<void> {
  const current = shared;
  shared = undefined;
  const sampler = await current;
  await sampler?.shutdown().catch(() => undefined);
}

async function start(given: EnergyConfig | undefined): Promise<EnergySampler | undefined> {
  const warn = (message: string): void => console.warn(message);
  try {
    const config = given ?? energyConfigFromEnv(process.env, warn);
    if (config.sources === 'none') return undefined;
    const sampler = await startEnergySampler(config);
    const status = sampler.status();
    if (status.devices.length > 0) return sampler;
    const reasons = [...status.unavailable.map((u) => `${u.source}: ${u.reason}`), ...status.faults];
    warn(`openjoules: no energy source found; spans carry no joules (${reasons.join('; ') || 'nothing detected'})`);
    await sampler.shutdown();
    return undefined;
  } catch (error) {
    warn(`openjoules: energy sampler failed to start (${(error as Error)?.message ?? String(error)}); spans carry no joules`);
    return undefined;
  }
}
