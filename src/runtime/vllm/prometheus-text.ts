/**
 * A small reader of the Prometheus text exposition format (version 0.0.4, and the OpenMetrics text vLLM's
 * prometheus_client can also write): `# HELP` / `# TYPE` lines and samples `name{label="value",…} value [timestamp]`.
 * Enough for a server's `/metrics` page; no dependency: the format is line-based, and a page is parsed once per scrape.
 */

/** One sample line. */
export interface PromSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The value; `+Inf`, `-Inf` and `NaN` as JavaScript's. */
  readonly value: number;
}

/** What {@link parsePrometheusText} read. */
export interface PromPage {
  /** The samples kept, in page order. */
  readonly samples: readonly PromSample[];
  /** `# TYPE` of each metric family that declared one (`counter`, `gauge`, `histogram`, …). */
  readonly types: ReadonlyMap<string, string>;
  /** Lines that were neither a comment nor a sample. */
  readonly badLines: number;
  /** The first bad line, as `line N: reason`. */
  readonly firstProblem?: string;
}

const NAME_START = /[a-zA-Z_:]/;
const NAME_CHAR = /[a-zA-Z0-9_:]/;

/**
 * Parses a page. `keep` picks the samples to keep by metric name (default all), so a page's other families (Python
 * runtime, HTTP server) cost no objects. Never throws: a line it cannot read is counted and the rest is read.
 */
export function parsePrometheusText(text: string, keep: (name: string) => boolean = () => true): PromPage {
  const samples: PromSample[] = [];
  const types = new Map<string, string>();
  let badLines = 0;
  let firstProblem: string | undefined;
  let lineNo = 0;
  for (const raw of text.split('\n')) {
    lineNo++;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const type = /^#\s+TYPE\s+(\S+)\s+(\S+)/.exec(line);
      if (type) types.set(type[1]!, type[2]!.toLowerCase());
      continue;
    }
    const parsed = parseSample(line, keep);
    if (typeof parsed === 'string') {
      badLines++;
      firstProblem ??= `line ${lineNo}: ${parsed}`;
    } else if (parsed !== null) {
      samples.push(parsed);
    }
  }
  return { samples, types, badLines, ...(firstProblem !== undefined ? { firstProblem } : {}) };
}

/** A sample, null when `keep` leaves it out, or why the line is not one. */
function parseSample(line: string, keep: (name: string) => boolean): PromSample | null | string {
  let i = 0;
  while (line[i] === ' ' || line[i] === '\t') i++;
  const nameStart = i;
  if (!NAME_START.test(line[i] ?? '')) return 'not a metric name';
  while (i < line.length && NAME_CHAR.test(line[i]!)) i++;
  const name = line.slice(nameStart, i);
  if (!keep(name)) return null;
  const labels: Record<string, string> = {};
  if (line[i] === '{') {
    i++;
    for (;;) {
      while (line[i] === ' ' || line[i] === ',') i++;
      if (line[i] === '}') {
        i++;
        break;
      }
      const labelStart = i;
      while (i < line.length && NAME_CHAR.test(line[i]!)) i++;
      const label = line.slice(labelStart, i);
      if (label === '' || line[i] !== '=' || line[i + 1] !== '"') return `bad label in ${name}`;
      i += 2;
      let value = '';
      for (;;) {
        const c = line[i];
        if (c === undefined) return `unterminated label value in ${name}`;
        i++;
        if (c === '"') break;
        if (c === '\\') {
          const next = line[i++];
          value += next === 'n' ? '\n' : (next ?? '');
        } else {
          value += c;
        }
      }
      labels[label] = value;
    }
  }
  const rest = line.slice(i).trim().split(/\s+/);
  const value = parseValue(rest[0] ?? '');
  if (value === undefined) return `bad value "${rest[0] ?? ''}" for ${name}`;
  return { name, labels, value };
}

/** A sample value: a Go float (`1.5e-3`, `+Inf`, `-Inf`, `NaN`), else undefined. */
export function parseValue(text: string): number | undefined {
  switch (text) {
    case '+Inf':
    case 'Inf':
      return Infinity;
    case '-Inf':
      return -Infinity;
    case 'NaN':
      return NaN;
  }
  if (text === '' || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return undefined;
  return Number(text);
}
