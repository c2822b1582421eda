/**
 * Runs the example agent (examples/agent.ts) in-process with openjoules exporting OTLP/HTTP to a Collector, with a
 * simulated GPU + CPU so every span carries joules on a machine with no energy hardware.
 */
import { runDemoAgent } from '../../../examples/agent.js';
import { SimulatedEnergySource } from '../../../src/runtime/energy/sources/simulated.js';
import { startOpenJoules, type OpenJoules } from '../../../src/runtime/setup/start.js';

/** Spans one runDemoAgent() makes: 3 turns (3 traces) of 5 + 4 + 3 spans. */
export const SPANS_PER_RUN = 12;
export const TRACES_PER_RUN = 3;

export interface AgentSession {
  readonly openjoules: OpenJoules;
  readonly serviceName: string;
  readonly warnings: string[];
  /** Conversation ids of the runs so far. */
  readonly conversations: string[];
  /** Runs the demo agent once; resolves with how long the agent's own work took (ms). */
  run(): Promise<number>;
  /** Flushes and shuts openjoules down (bounded by `timeoutMs`); resolves with the warnings printed. */
  stop(timeoutMs?: number): Promise<string[]>;
}

const OTLP_ENV_KEYS = ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TIMEOUT', 'OTEL_TRACES_EXPORTER', 'OTEL_METRICS_EXPORTER', 'OTEL_METRIC_EXPORT_INTERVAL', 'OTEL_BSP_MAX_QUEUE_SIZE'];

/**
 * Starts openjoules pointed at `otlpHttpUrl`. The OTLP exporter reads OTEL_EXPORTER_OTLP_* from process.env (not from
 * `options.env`), so they are set in process.env for the session and restored by stop().
 */
export async function startAgentSession(otlpHttpUrl: string, serviceName: string, extraEnv: Record<string, string> = {}): Promise<AgentSession> {
  const saved = new Map(OTLP_ENV_KEYS.map((k) => [k, process.env[k]]));
  const env: Record<string, string> = {
    OTEL_EXPORTER_OTLP_ENDPOINT: otlpHttpUrl,
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_METRICS_EXPORTER: 'none',
    ...extraEnv,
  };
  Object.assign(process.env, env);
  const warnings: string[] = [];
  const conversations: string[] = [];
  const source = new SimulatedEnergySource({
    devices: [
      { power: 180, component: 'gpu', counterPeriodMs: 0 },
      { power: 45, component: 'cpu', counterPeriodMs: 0 },
    ],
  });
  const openjoules = await startOpenJoules({
    serviceName,
    energy: [source],
    env: { ...process.env, ...env },
    scheduledDelayMillis: 100,
    warn: (message) => {
      warnings.push(message);
      console.warn(message);
    },
  });
  return {
    openjoules,
    serviceName,
    warnings,
    conversations,
    run: async () => {
      const started = performance.now();
      const result = await runDemoAgent(`e2e-${serviceName}-${conversations.length}`);
      conversations.push(result.conversationId);
      return performance.now() - started;
    },
    stop: async (timeoutMs = 60_000) => {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        openjoules.shutdown(),
        new Promise<void>((_, rej) => {
          timer = setTimeout(() => rej(new Error(`openjoules.shutdown() took longer than ${timeoutMs} ms`)), timeoutMs);
        }),
      ]).finally(() => {
        clearTimeout(timer);
        for (const [k, v] of saved) {
          if (v === undefined) delete process.env[k];
          else process.env[k] = v;
        }
      });
      return warnings;
    },
  };
}

/** The number in "openjoules: N span(s) dropped ..." (0 when no such line was printed). */
export function droppedFromWarnings(warnings: readonly string[]): number {
  let total = 0;
  for (const w of warnings) {
    const m = /openjoules: (\d+) span\(s\) dropped/.exec(w);
    if (m) total += Number(m[1]);
  }
  return total;
}
