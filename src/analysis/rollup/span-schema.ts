import { GENAI_FIELDS } from '../model/genai-fields.js';
import type { AttrValue, SpanRecord } from '../otlp/span-record.js';
import * as semconv from '../../semconv.js';

/** What the rollup expects of each attribute it reads. `count` is a non-negative integer; `amount` a finite number ≥ 0. */
type Expected = 'string' | 'boolean' | 'count' | 'amount';

const READ: ReadonlyMap<string, Expected> = new Map<string, Expected>([
  [semconv.ATTR_GEN_AI_OPERATION_NAME, 'string'],
  [semconv.ATTR_GEN_AI_CONVERSATION_ID, 'string'],
  [semconv.ATTR_USER_ID, 'string'],
  [semconv.ATTR_GEN_AI_USAGE_INPUT_TOKENS, 'count'],
  [semconv.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS, 'count'],
  [semconv.ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS, 'count'],
  [semconv.ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS, 'count'],
  [semconv.ATTR_OPENJOULES_COST_USD, 'amount'],
  [semconv.ATTR_OPENJOULES_TURN_REGENERATED, 'boolean'],
  [semconv.ATTR_ENERGY_JOULES, 'amount'],
  [semconv.ATTR_ENERGY_GPU_JOULES, 'amount'],
  [semconv.ATTR_ENERGY_CPU_JOULES, 'amount'],
  [semconv.ATTR_ENERGY_ATTRIBUTED_JOULES, 'amount'],
  [semconv.ATTR_ENERGY_REMOTE_JOULES, 'amount'],
  [semconv.ATTR_ENERGY_REMOTE_MIN_JOULES, 'amount'],
  [semconv.ATTR_ENERGY_REMOTE_MAX_JOULES, 'amount'],
]);

/** Every attribute name in our registry (src/semconv.ts), so a misspelt `energy.*` / `openjoules.*` name is caught. */
const KNOWN: ReadonlySet<string> = new Set(
  Object.entries(semconv)
    .filter(([name]) => name.startsWith('ATTR_') && !name.includes('_VALUE_'))
    .map(([, value]) => value),
);

/** Namespaces our registry owns: a name there that the registry lacks is a typo or a version skew, not data. */
function isOurNamespace(key: string): boolean {
  return key.startsWith('energy.') || key.startsWith('openjoules.');
}

/** Every span attribute the analysis layer's GenAI view reads (analysis/genai-fields.ts). */
const GENAI_KEYS: ReadonlySet<string> = new Set(Object.values(GENAI_FIELDS).flatMap((field) => field.keys as readonly string[]));

/**
 * Whether the rollup reads a span attribute, or checks it: what the GenAI view reads, what {@link validateRollupSpan}
 * checks (READ and our namespaces, where an unknown name is an issue). The reader skips every other attribute
 * undecoded (otlp/scan-spans.ts); dropping them changes no row and no issue.
 */
export function rollupReadsAttribute(key: string): boolean {
  return GENAI_KEYS.has(key) || READ.has(key) || isOurNamespace(key);
}

/** How a key is checked: one of READ's types, UNKNOWN (ours but unregistered), or IGNORED (not read, not ours). */
const UNKNOWN = 'unknown';
const IGNORED = 'ignored';
/** How {@link validateRollupSpan} checks an attribute key: its expected type, `unknown` (an issue) or `ignored`. */
export type KeyClass = Expected | typeof UNKNOWN | typeof IGNORED;

/** Memo of {@link classifyRollupKey}: one Map lookup per attribute instead of three; capped so odd input cannot grow it. */
const CLASS_CACHE = new Map<string, KeyClass>();
const CLASS_CACHE_MAX = 4096;

/** How the rollup checks an attribute key (a reader that meets each key once can ask once, rollup-line-reader.ts). */
export function classifyRollupKey(key: string): KeyClass {
  let kind = CLASS_CACHE.get(key);
  if (kind !== undefined) return kind;
  kind = READ.get(key) ?? (isOurNamespace(key) && !KNOWN.has(key) ? UNKNOWN : IGNORED);
  if (CLASS_CACHE.size < CLASS_CACHE_MAX) CLASS_CACHE.set(key, kind);
  return kind;
}

/**
 * Checks the attributes the rollup reads. Returns a one-line reason when the span is bad (a wrong type, an unknown
 * name in our namespaces), or undefined when it is fine. A bad span is skipped whole, never half-counted, so a row's
 * columns always agree with each other.
 */
export function validateRollupSpan(span: SpanRecord): string | undefined {
  for (const key in span.attributes) {
    const kind = classifyRollupKey(key);
    if (kind === IGNORED) continue;
    const why = attributeProblem(kind, span.attributes[key]!);
    if (why !== undefined) return rollupAttributeIssue(span, key, why);
  }
  return validateRollupEvents(span);
}

/** What is wrong with an attribute's value for its {@link KeyClass} (`unknown` is always wrong), or undefined. */
export function attributeProblem(kind: KeyClass, value: AttrValue): string | undefined {
  if (kind === IGNORED) return undefined;
  if (kind === UNKNOWN) return UNKNOWN;
  return check(value, kind);
}

/** The issue {@link validateRollupSpan} gives for the attribute `key` of `span` with {@link attributeProblem} `why`. */
export function rollupAttributeIssue(span: SpanRecord, key: string, why: string): string {
  if (why === UNKNOWN) return `span "${span.name}" (${span.spanId}): unknown attribute ${key} (not in the openjoules semconv registry)`;
  return `span "${span.name}" (${span.spanId}): attribute ${key} ${why}`;
}

/** {@link validateRollupSpan}'s check of the span's events (after its attributes): a reason, or undefined. */
export function validateRollupEvents(span: SpanRecord): string | undefined {
  for (const event of span.events) {
    if (event.name === semconv.EVENT_OPENJOULES_FEEDBACK) {
      const rating = event.attributes[semconv.ATTR_OPENJOULES_FEEDBACK_RATING];
      if (rating !== 'up' && rating !== 'down') {
        return `span "${span.name}" (${span.spanId}): ${semconv.EVENT_OPENJOULES_FEEDBACK} event has ${semconv.ATTR_OPENJOULES_FEEDBACK_RATING} ${JSON.stringify(rating ?? null)}, expected "up" or "down"`;
      }
      continue;
    }
    if (!COUNTED_EVENTS.has(event.name)) continue;
    for (const key in event.attributes) {
      const expected = EVENT_READ.get(key);
      const why = expected === undefined ? undefined : check(event.attributes[key]!, expected);
      if (why) return `span "${span.name}" (${span.spanId}): ${event.name} event attribute ${key} ${why}`;
    }
  }
  return undefined;
}

/** The job and call-to-action events the rollup counts (event-counters.ts), and what it reads on them. */
const COUNTED_EVENTS: ReadonlySet<string> = new Set([
  semconv.EVENT_OPENJOULES_JOB_SUBMIT,
  semconv.EVENT_OPENJOULES_JOB_COMPLETE,
  semconv.EVENT_OPENJOULES_JOB_BLOCKED,
  semconv.EVENT_OPENJOULES_CTA_CLICK,
]);
const EVENT_READ: ReadonlyMap<string, Expected> = new Map<string, Expected>([
  [semconv.ATTR_OPENJOULES_JOB_FLAVOR, 'string'],
  [semconv.ATTR_OPENJOULES_JOB_STATUS, 'string'],
  [semconv.ATTR_OPENJOULES_JOB_DURATION, 'amount'],
  [semconv.ATTR_OPENJOULES_JOB_GPU_COUNT, 'count'],
  [semconv.ATTR_OPENJOULES_CTA_SOURCE, 'string'],
]);

function check(value: AttrValue, expected: Expected): string | undefined {
  switch (expected) {
    case 'string':
      return typeof value === 'string' ? undefined : `should be a string, got ${describe(value)}`;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : `should be a boolean, got ${describe(value)}`;
    case 'count':
      return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? undefined : `should be an integer ≥ 0, got ${describe(value)}`;
    case 'amount':
      return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? undefined : `should be a number ≥ 0, got ${describe(value)}`;
  }
}

function describe(value: AttrValue): string {
  return Array.isArray(value) ? 'an array' : `${typeof value} ${JSON.stringify(value)}`;
}
