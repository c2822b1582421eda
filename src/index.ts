// Public API of openjoules. Every export is used by an example or a test.
export * from './semconv.js';
export type { EnergySource, EnergySourceName, EnergyMethod, EnergyComponent, DeviceInfo, DeviceReading, DetectionResult } from './energy/source.js';
export type { EnergyConfig } from './energy/config.js';
export { energyConfigFromEnv, DEFAULT_SAMPLE_INTERVAL_MS } from './energy/config.js';
