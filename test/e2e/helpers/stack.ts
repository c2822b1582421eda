/**
 * The real servers of the e2e tier, each started on free 127.0.0.1 ports from the configs in collector-config/:
 * the openjoules Collector (ocb build), the load-balancing Collector, Jaeger v2, Tempo and Prometheus.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_DIR, findBinary, freePorts, httpGet, runCommand, startServer, waitFor, waitHttpOk, type Server } from './servers.js';

export const BINARIES = {
  collector: () => findBinary('otelcol-openjoules', 'OPENJOULES_OTELCOL_BIN'),
  jaeger: () => findBinary('jaeger', 'OPENJOULES_JAEGER_BIN'),
  tempo: () => findBinary('tempo', 'OPENJOULES_TEMPO_BIN'),
  prometheus: () => findBinary('prometheus', 'OPENJOULES_PROMETHEUS_BIN'),
  promtool: () => findBinary('promtool', 'OPENJOULES_PROMTOOL_BIN'),
};

export const HOW_TO_BUILD = {
  collector: 'no otelcol-openjoules binary (run `npm run build:collector`, or set OPENJOULES_OTELCOL_BIN)',
  jaeger: 'no jaeger binary (run `npm run build:jaeger`, or set OPENJOULES_JAEGER_BIN)',
  tempo: 'no tempo binary (run `npm run build:tempo`, or set OPENJOULES_TEMPO_BIN)',
  prometheus: 'no prometheus binary (`apt-get install prometheus`, or set OPENJOULES_PROMETHEUS_BIN)',
  promtool: 'no promtool binary (`apt-get install prometheus`, or set OPENJOULES_PROMTOOL_BIN)',
};

const START_TIMEOUT_MS = 60_000;

export interface Jaeger {
  readonly server: Server;
  /** OTLP/gRPC host:port. */
  readonly otlpEndpoint: string;
  readonly queryUrl: string;
}

export async function startJaeger(bin: string, logDir: string): Promise<Jaeger> {
  const [otlp, http, grpc, self] = await freePorts(4);
  const env = {
    OJ_JAEGER_ENDPOINT: `127.0.0.1:${otlp}`,
    OJ_JAEGER_QUERY_HTTP: `127.0.0.1:${http}`,
    OJ_JAEGER_QUERY_GRPC: `127.0.0.1:${grpc}`,
    OJ_JAEGER_SELF_METRICS_PORT: String(self),
  };
  const server = startServer('jaeger', bin, ['--config', join(CONFIG_DIR, 'backends', 'jaeger.yaml')], { env, logDir });
  const queryUrl = `http://127.0.0.1:${http}`;
  await waitHttpOk('Jaeger query API (/api/services)', `${queryUrl}/api/services`, START_TIMEOUT_MS, [server]);
  return { server, otlpEndpoint: env.OJ_JAEGER_ENDPOINT, queryUrl };
}

export interface Tempo {
  readonly server: Server;
  readonly otlpEndpoint: string;
  readonly apiUrl: string;
}

export async function startTempo(bin: string, logDir: string, dataDir: string): Promise<Tempo> {
  const [http, grpc, otlp, memberlist] = await freePorts(4);
  mkdirSync(dataDir, { recursive: true });
  const env = {
    OJ_TEMPO_HTTP_PORT: String(http),
    OJ_TEMPO_GRPC_PORT: String(grpc),
    OJ_TEMPO_ENDPOINT: `127.0.0.1:${otlp}`,
    OJ_TEMPO_MEMBERLIST_PORT: String(memberlist),
    OJ_TEMPO_DATA: dataDir,
  };
  const args = [`-config.file=${join(CONFIG_DIR, 'backends', 'tempo.yaml')}`, '-config.expand-env=true'];
  const server = startServer('tempo', bin, args, { env, logDir });
  const apiUrl = `http://127.0.0.1:${http}`;
  await waitHttpOk('Tempo /ready', `${apiUrl}/ready`, START_TIMEOUT_MS * 2, [server]);
  return { server, otlpEndpoint: env.OJ_TEMPO_ENDPOINT, apiUrl };
}

export interface Collector {
  readonly server: Server;
  readonly name: string;
  readonly grpcEndpoint: string;
  /** OTLP/HTTP base URL (the SDK appends /v1/traces). */
  readonly httpUrl: string;
  readonly prometheusTarget: string;
  readonly fileDir: string;
  /** Same config, same ports: for restarts. */
  restart(): Promise<Collector>;
}

export interface CollectorOptions {
  readonly name: string;
  readonly logDir: string;
  readonly fileDir: string;
  /** OTLP/gRPC host:port of Jaeger; undefined drops the exporter from the pipeline. */
  readonly jaegerEndpoint?: string;
  readonly tempoEndpoint?: string;
  /** More `--config` values after the pipeline override (e.g. `yaml:service::pipelines::metrics/hw: {…}`). */
  readonly extraConfig?: readonly string[];
}

/** Starts collector-config/otelcol.yaml; exporters for missing backends are removed with a yaml: override. */
export async function startCollector(bin: string, options: CollectorOptions): Promise<Collector> {
  const [grpc, http, prom, health, self] = await freePorts(5);
  const env = {
    OJ_OTLP_GRPC_ENDPOINT: `127.0.0.1:${grpc}`,
    OJ_OTLP_HTTP_ENDPOINT: `127.0.0.1:${http}`,
    OJ_PROMETHEUS_ENDPOINT: `127.0.0.1:${prom}`,
    OJ_HEALTH_ENDPOINT: `127.0.0.1:${health}`,
    OJ_SELF_METRICS_PORT: String(self),
    OJ_FILE_PATH: join(options.fileDir, 'traces.jsonl'),
    OJ_KPI_FLUSH_INTERVAL: '1s',
    OJ_FILE_FLUSH_INTERVAL: '200ms',
    OJ_JAEGER_ENDPOINT: options.jaegerEndpoint ?? '127.0.0.1:9',
    OJ_TEMPO_ENDPOINT: options.tempoEndpoint ?? '127.0.0.1:9',
  };
  const exporters = [
    ...(options.jaegerEndpoint ? ['otlp_grpc/jaeger'] : []),
    ...(options.tempoEndpoint ? ['otlp_grpc/tempo'] : []),
    'file',
    'span_metrics',
    'signal_to_metrics',
  ];
  const args = [
    '--config',
    join(CONFIG_DIR, 'otelcol.yaml'),
    '--config',
    `yaml:service::pipelines::traces::exporters: [${exporters.join(', ')}]`,
    ...(options.extraConfig ?? []).flatMap((c) => ['--config', c]),
  ];
  const launch = async (): Promise<Collector> => {
    const server = startServer(options.name, bin, args, { env, logDir: options.logDir });
    await waitHttpOk(`${options.name} health_check`, `http://${env.OJ_HEALTH_ENDPOINT}/`, START_TIMEOUT_MS, [server]);
    return {
      server,
      name: options.name,
      grpcEndpoint: env.OJ_OTLP_GRPC_ENDPOINT,
      httpUrl: `http://${env.OJ_OTLP_HTTP_ENDPOINT}`,
      prometheusTarget: env.OJ_PROMETHEUS_ENDPOINT,
      fileDir: options.fileDir,
      restart: async () => {
        await server.stop();
        return launch();
      },
    };
  };
  return launch();
}

export interface LoadBalancer {
  readonly server: Server;
  readonly httpUrl: string;
}

export async function startLoadBalancer(bin: string, backends: readonly string[], logDir: string): Promise<LoadBalancer> {
  const [grpc, http, health, self] = await freePorts(4);
  const env = {
    OJ_LB_OTLP_GRPC_ENDPOINT: `127.0.0.1:${grpc}`,
    OJ_LB_OTLP_HTTP_ENDPOINT: `127.0.0.1:${http}`,
    OJ_LB_HEALTH_ENDPOINT: `127.0.0.1:${health}`,
    OJ_LB_SELF_METRICS_PORT: String(self),
    OJ_LB_BACKENDS: `[${backends.join(', ')}]`,
  };
  const server = startServer('loadbalancer', bin, ['--config', join(CONFIG_DIR, 'otelcol-loadbalancer.yaml')], { env, logDir });
  await waitHttpOk('load balancer health_check', `http://${env.OJ_LB_HEALTH_ENDPOINT}/`, START_TIMEOUT_MS, [server]);
  return { server, httpUrl: `http://${env.OJ_LB_OTLP_HTTP_ENDPOINT}` };
}

export interface Prometheus {
  readonly server: Server;
  readonly url: string;
  /** Instant query; the sum of all samples (0 when none). */
  sum(query: string): Promise<{ value: number; samples: number }>;
}

export async function startPrometheus(bin: string, targets: readonly string[], logDir: string, dataDir: string): Promise<Prometheus> {
  const [port] = await freePorts(1);
  mkdirSync(dataDir, { recursive: true });
  const config = join(dataDir, 'prometheus.yml');
  writeFileSync(
    config,
    [
      'global: {scrape_interval: 1s, evaluation_interval: 1s}',
      `rule_files: ['${join(CONFIG_DIR, 'prometheus', 'openjoules-rules.yml')}']`,
      'scrape_configs:',
      '  - job_name: openjoules-collector',
      `    static_configs: [{targets: [${targets.map((t) => `'${t}'`).join(', ')}]}]`,
      '',
    ].join('\n'),
  );
  const args = [`--config.file=${config}`, `--storage.tsdb.path=${join(dataDir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${port}`];
  const server = startServer('prometheus', bin, args, { logDir });
  const url = `http://127.0.0.1:${port}`;
  await waitHttpOk('Prometheus /-/ready', `${url}/-/ready`, START_TIMEOUT_MS, [server]);
  return {
    server,
    url,
    sum: async (query) => {
      const body = await httpGet(`${url}/api/v1/query?query=${encodeURIComponent(query)}`);
      if (body === undefined) throw new Error(`Prometheus query failed: ${query}`);
      const parsed = JSON.parse(body) as { data: { result: { value: [number, string] }[] } };
      const result = parsed.data.result;
      return { value: result.reduce((s, r) => s + Number(r.value[1]), 0), samples: result.length };
    },
  };
}

/** `otelcol validate --config <file>`: resolves the config and builds the pipeline graph without binding ports. */
export async function validateCollectorConfig(bin: string, file: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; output: string }> {
  return runCommand(bin, ['validate', '--config', file], env);
}

// ---------- backend queries ----------

interface JaegerTag {
  key: string;
  type: string;
  value: unknown;
}
export interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references: { refType: string; spanID: string }[];
  tags: JaegerTag[];
}

export function jaegerTags(span: JaegerSpan): Record<string, unknown> {
  return Object.fromEntries(span.tags.map((t) => [t.key, t.value]));
}

export async function jaegerTrace(queryUrl: string, traceId: string): Promise<JaegerSpan[] | undefined> {
  const body = await httpGet(`${queryUrl}/api/traces/${traceId}`);
  if (body === undefined) return undefined;
  const parsed = JSON.parse(body) as { data?: { spans: JaegerSpan[] }[] };
  return parsed.data?.[0]?.spans;
}

/** Every span Jaeger holds for a service (all its traces). */
export async function jaegerSpans(queryUrl: string, service: string): Promise<JaegerSpan[]> {
  const body = await httpGet(`${queryUrl}/api/traces?service=${encodeURIComponent(service)}&limit=10000&lookback=1h`);
  if (body === undefined) return [];
  const parsed = JSON.parse(body) as { data?: { spans: JaegerSpan[] }[] };
  return (parsed.data ?? []).flatMap((t) => t.spans);
}

/** Wait until Jaeger holds `expected` spans for the service (or fail with what it has). */
export async function waitJaegerSpanCount(queryUrl: string, service: string, expected: number, timeoutMs: number, servers: readonly Server[]): Promise<JaegerSpan[]> {
  let last = 0;
  try {
    return await waitFor(
      `Jaeger to hold ${expected} spans of ${service}`,
      async () => {
        const spans = await jaegerSpans(queryUrl, service);
        last = spans.length;
        return spans.length >= expected ? spans : undefined;
      },
      timeoutMs,
      servers,
      500,
    );
  } catch (error) {
    throw new Error(`Jaeger has ${last} of ${expected} spans: ${(error as Error).message}`);
  }
}

/** Tempo's trace-by-id, flattened: span name + attributes (Tempo 1.5 JSON: batches[].instrumentationLibrarySpans[].spans[]). */
export interface TempoSpan {
  name: string;
  attributes: Record<string, unknown>;
}

export async function tempoTrace(apiUrl: string, traceId: string): Promise<TempoSpan[] | undefined> {
  const body = await httpGet(`${apiUrl}/api/traces/${traceId}`, { Accept: 'application/json' });
  if (body === undefined) return undefined;
  const parsed = JSON.parse(body) as { batches?: Record<string, unknown>[]; resourceSpans?: Record<string, unknown>[] };
  const batches = parsed.batches ?? parsed.resourceSpans ?? [];
  const spans: TempoSpan[] = [];
  for (const batch of batches) {
    const scopes = (batch.scopeSpans ?? batch.instrumentationLibrarySpans ?? []) as { spans?: { name: string; attributes?: { key: string; value: Record<string, unknown> }[] }[] }[];
    for (const scope of scopes) {
      for (const span of scope.spans ?? []) {
        const attributes: Record<string, unknown> = {};
        for (const a of span.attributes ?? []) attributes[a.key] = otlpValue(a.value);
        spans.push({ name: span.name, attributes });
      }
    }
  }
  return spans;
}

function otlpValue(v: Record<string, unknown>): unknown {
  if ('stringValue' in v) return v.stringValue;
  if ('intValue' in v) return Number(v.intValue);
  if ('doubleValue' in v) return Number(v.doubleValue);
  if ('boolValue' in v) return v.boolValue;
  return v;
}
