/**
 * One energy sampler per process, started on first use. A host that builds its own OpenTelemetry SDK creates the
 * span processor, the resource detector and the hardware metrics separately, often in a preload that cannot `await`;
 * each of them asks for the sampler here, so the drivers are opened once and every part sees the same timeline.
 */
import { diag } from '@opentelemetry/api';
import { energyConfigFromEnv, type EnergyConfig } from './config.js';
import { startEnergySampler, type EnergySampler } from './sampler.js';

let shared: Promise<EnergySampler | undefined> | undefined;

/**
 * The process-wide sampler: started on the first call (from `config`, else the OPENJOULES_* environment), then the same
 * promise for every caller; later `config` arguments are ignored. Resolves undefined, after one warning line, when no
 * energy source is present or sampling is off (`OPENJOULES_ENERGY_SOURCES=none`). Never rejects.
 */
export function sharedEnergySampler(config?: EnergyConfig): Promise<EnergySampler | undefined> {
  shared ??= start(config);
  return shared;
}

/** Stops the process-wide sampler, if one was started; the next {@link sharedEnergySampler} call starts a new one. */
export async function shutdownSharedEnergySampler(): Promise<void> {
  const current = shared;
  shared = undefined;
  const sampler = await current;
  await sampler?.shutdown();
}

async function start(config: EnergyConfig | undefined): Promise<EnergySampler | undefined> {
  try {
    const resolved = config ?? energyConfigFromEnv(process.env, (message) => diag.warn(`openjoules: ${message}`));
    if (resolved.sources === 'none') return undefined;
    const sampler = await startEnergySampler(resolved);
    const status = sampler.status();
    if (status.devices.length > 0) return sampler;
    const reasons = status.unavailable.map((u) => `${u.source}: ${u.reason}`).concat(status.faults);
    console.warn(`openjoules: no energy source found; spans carry no joules (${reasons.join('; ') || 'nothing detected'})`);
    await sampler.shutdown();
    return undefined;
  } catch (error) {
    console.warn(`openjoules: energy sampler failed to start (${(error as Error).message}); spans carry no joules`);
    return undefined;
  }
}
