/**
 * How often the GPU sources read utilization, memory used, temperature and power limit, ms: off the energy path, every
 * few energy samples. Fast enough that a model call of a second sees several readings (span utilization, measureEnergy
 * snapshots); no faster, because NVML averages utilization over its own sample period (1/6 s to 1 s by product) and
 * each of these calls costs as much as an energy read.
 */
export const GAUGE_READ_PERIOD_MS = 250;
