/**
 * How spans leave the process, read once from the environment: the batch settings (OTEL_BSP_*; the SDK's
 * BatchSpanProcessor no longer reads them itself) and how long shutdown may take (OPENJOULES_SHUTDOWN_TIMEOUT_MS).
 */

/** Batch settings the user set; what is left out takes the target's default. */
export interface BatchSettings {
  /** OTEL_BSP_MAX_QUEUE_SIZE: most spans waiting for export. */
  readonly maxQueueSize?: number;
  /** OTEL_BSP_MAX_EXPORT_BATCH_SIZE: most spans one export carries. */
  readonly maxExportBatchSize?: number;
  /** OTEL_BSP_SCHEDULE_DELAY: ms between exports of a queue shorter than a batch. */
  readonly scheduledDelayMillis?: number;
  /** OTEL_BSP_EXPORT_TIMEOUT: ms after which the processor stops waiting for one export. */
  readonly exportTimeoutMillis?: number;
}

/** Export settings of {@link exportConfigFromEnv}. */
export interface ExportConfig {
  /** Longest shutdown (final flush included), ms; OPENJOULES_SHUTDOWN_TIMEOUT_MS, default 5000. */
  readonly shutdownTimeoutMillis: number;
  /** The OTEL_BSP_* variables that are set and valid. */
  readonly batch: BatchSettings;
}

/** Default bound on shutdown: well inside `docker stop`'s 10 s between SIGTERM and SIGKILL. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 5000;

/** The SDK's BatchSpanProcessor defaults, for targets across a network. */
export const NETWORK_BATCH_DEFAULTS = { maxQueueSize: 2048, maxExportBatchSize: 512 } as const;

/**
 * Defaults of the embedded JSONL target. A local append takes a few milliseconds whatever its size, so the queue is
 * deeper and the batches bigger than across a network: at tens of thousands of spans a second a 2048-span queue
 * fills while one write is under way (bench/export/jsonl-throughput.ts measures it). Memory stays bounded by the queue.
 */
export const JSONL_BATCH_DEFAULTS = { maxQueueSize: 32_768, maxExportBatchSize: 2048 } as const;

const BATCH_VARIABLES: ReadonlyArray<readonly [keyof BatchSettings, string, number]> = [
  ['maxQueueSize', 'OTEL_BSP_MAX_QUEUE_SIZE', 1],
  ['maxExportBatchSize', 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 1],
  ['scheduledDelayMillis', 'OTEL_BSP_SCHEDULE_DELAY', 0],
  ['exportTimeoutMillis', 'OTEL_BSP_EXPORT_TIMEOUT', 1],
];
// setTimeout stores a 32-bit signed count of ms; longer timers fire at once.
const MAX_MS = 2 ** 31 - 1;

/** Reads OPENJOULES_SHUTDOWN_TIMEOUT_MS and OTEL_BSP_*. Never throws: a bad value is one `warn` line and the default. */
export function exportConfigFromEnv(env: NodeJS.ProcessEnv, warn: (message: string) => void): ExportConfig {
  const batch: Record<string, number> = {};
  for (const [key, variable, min] of BATCH_VARIABLES) {
    const value = readInteger(env, variable, min, MAX_MS, warn, 'the default');
    if (value !== undefined) batch[key] = value;
  }
  const shutdown = readInteger(env, 'OPENJOULES_SHUTDOWN_TIMEOUT_MS', 1, MAX_MS, warn, String(DEFAULT_SHUTDOWN_TIMEOUT_MS));
  return { shutdownTimeoutMillis: shutdown ?? DEFAULT_SHUTDOWN_TIMEOUT_MS, batch };
}

function readInteger(
  env: NodeJS.ProcessEnv,
  variable: string,
  min: number,
  max: number,
  warn: (message: string) => void,
  fallback: string,
): number | undefined {
  const text = env[variable]?.trim();
  if (!text) return undefined;
  const value = Number(text);
  if (Number.isInteger(value) && value >= min && value <= max) return value;
  warn(`openjoules: ${variable} "${text}" is not a whole number from ${min} to ${max}; using ${fallback}`);
  return undefined;
}
