/**
 * The resource attributes that say which energy sources a process measured with: `openjoules.energy.sources`
 * (e.g. `["nvml"]`), `openjoules.energy.devices` (`0=NVIDIA H100 (counter)`) and `openjoules.energy.unavailable`
 * (`rocm_smi: library not found`). They are asynchronous resource attributes (a promise per value, as the
 * ResourceDetector interface of @opentelemetry/resources 2.x and 3.x allows): `detect()` returns at once, and the
 * SDK's batch processor waits for them before its first export.
 */
import type { DetectedResourceAttributes, ResourceDetector } from '@opentelemetry/resources';
import type { EnergySampler, EnergySamplerStatus } from '../energy/sampler/sampler.js';
import { sharedEnergySampler } from '../energy/sampler/shared-sampler.js';
import { ATTR_OPENJOULES_ENERGY_DEVICES, ATTR_OPENJOULES_ENERGY_SOURCES, ATTR_OPENJOULES_ENERGY_UNAVAILABLE } from '../../semconv.js';

/** A detector describing the sampler `sampler()` resolves to; no attributes when it resolves undefined. */
export function energyResourceDetector(sampler: () => Promise<EnergySampler | undefined>): ResourceDetector {
  return {
    detect: () => {
      const status: Promise<EnergySamplerStatus | undefined> = sampler()
        .then((s) => s?.status())
        .catch(() => undefined);
      const pick = (f: (s: EnergySamplerStatus) => string[]): Promise<string[] | undefined> => status.then((s) => (s ? f(s) : undefined));
      const attributes: DetectedResourceAttributes = {
        [ATTR_OPENJOULES_ENERGY_SOURCES]: pick((s) => [...new Set(s.devices.map((d) => d.source))]),
        [ATTR_OPENJOULES_ENERGY_DEVICES]: pick((s) => s.devices.map((d) => `${d.id}=${d.name} (${d.method})`)),
        [ATTR_OPENJOULES_ENERGY_UNAVAILABLE]: pick((s) => s.unavailable.map((u) => `${u.source}: ${u.reason}`)),
      };
      return { attributes };
    },
  };
}

/**
 * Resource detector for a host's own OpenTelemetry SDK: the energy sources, devices and unavailable sources of the
 * process-wide sampler (`sharedEnergySampler()`, started on first use from the OPENJOULES_* environment, the same one
 * `EnergySpanProcessor` and `startOpenJoules` use). For example
 * `new NodeSDK({ resourceDetectors: [envDetector, hostDetector, processDetector, openJoulesResourceDetector] })`.
 * Never throws; with no energy source, adds no attributes.
 */
export const openJoulesResourceDetector: ResourceDetector = energyResourceDetector(() => sharedEnergySampler());
