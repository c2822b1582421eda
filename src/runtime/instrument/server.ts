/** `server.address` / `server.port` of a client's base URL: host and port only, never credentials, path or query. */
export interface ServerAttributes {
  readonly serverAddress?: string;
  readonly serverPort?: number;
}

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 };

/** Host and port of `baseURL`; empty when it is not a URL. */
export function serverOf(baseURL: unknown): ServerAttributes {
  if (typeof baseURL !== 'string' && !(baseURL instanceof URL)) return {};
  try {
    const url = new URL(baseURL);
    const port = url.port ? Number(url.port) : DEFAULT_PORTS[url.protocol];
    return { serverAddress: url.hostname, ...(port !== undefined ? { serverPort: port } : {}) };
  } catch {
    return {};
  }
}
