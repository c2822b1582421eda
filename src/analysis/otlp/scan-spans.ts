import { decodeAttributes, decodeEvents } from './decode.js';
import type { AttrValue, SpanRecord } from './span-record.js';

/** Which span attributes a reader keeps (the others are checked as JSON and skipped, never decoded). */
export type KeepAttribute = (key: string) => boolean;

/**
 * Takes each span's kept attributes as they are read, in place of the record's attributes object (whose keyed
 * stores, and the walks over it after, cost the rollup more than reading the values): the records then come with
 * no attributes ({@link NO_ATTRIBUTES}), and the sink keeps what it needs of them. Calls come in order: per span
 * {@link startSpan}, {@link put} for each kept attribute, {@link endSpan} with its record; a line the scanner leaves to
 * the reference reader may stop anywhere in between, so a sink's work on a line counts only once the line is taken.
 */
export interface AttributeSink {
  /** Which attributes to read: a code ≥ 0 (handed back to {@link put}) for a name to keep, < 0 to skip its value. Asked once per name. */
  code(key: string): number;
  startSpan(): void;
  /** One kept attribute of the span; false leaves the line to the reference reader (a repeated key, say). */
  put(code: number, key: string, value: AttrValue): boolean;
  endSpan(span: SpanRecord): void;
}

/** The attributes of the records a scan with an {@link AttributeSink} gives (the sink had them). */
export const NO_ATTRIBUTES: Readonly<Record<string, AttrValue>> = Object.freeze({});

/**
 * Reads the spans of one OTLP/JSON line straight from its bytes, without `JSON.parse` of the whole line: it walks
 * the document's known shape (resourceSpans → scopeSpans → spans), decodes only the span fields a record has and the
 * attributes `keep` asks for, and checks everything else as JSON while skipping it. Returns the same records that
 * `JSON.parse` + `decodeTraceDocument` give (attributes limited to `keep`), or undefined for a line outside the
 * common shape — malformed JSON, a bad span, an unusual value type, escapes in ids, a member out of the usual order —
 * which the caller then reads the reference way, so its results and issues never depend on this reader.
 * Resource, scope and span events (rare, and read whole) go through `JSON.parse` of their own bytes.
 */
export function scanTraceLine(bytes: Buffer, start: number, end: number, keep: KeepAttribute | AttributeSink): SpanRecord[] | undefined {
  buf = bytes;
  view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  pos = start;
  stop = end;
  if (typeof keep === 'function') keepAttribute = keep;
  else sink = keep;
  out = [];
  try {
    if (!document()) return undefined;
    ws();
    return pos === stop ? out : undefined;
  } finally {
    buf = EMPTY;
    view = EMPTY_VIEW;
    out = [];
    sink = undefined;
  }
}

const EMPTY = Buffer.alloc(0);
const DECODER = new TextDecoder();
const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const COLON = 58;
const LBRACE = 123;
const RBRACE = 125;
const LBRACKET = 91;
const RBRACKET = 93;
/** Nesting deeper than this in a skipped value is read the reference way (no deep recursion here). */
const MAX_DEPTH = 64;

// The line being read (the reader is synchronous): module state, so no per-line closure or object.
let buf: Buffer = EMPTY;
const EMPTY_VIEW = new DataView(EMPTY.buffer, 0, 0);
/** {@link buf} as a DataView, for reading four bytes at a time at any offset. */
let view: DataView<ArrayBufferLike> = EMPTY_VIEW;
let pos = 0;
let stop = 0;
let keepAttribute: KeepAttribute = () => true;
/** Where kept attributes go instead of the record, when the caller gave one. */
let sink: AttributeSink | undefined;
let out: SpanRecord[] = [];
/** Start and end of the last string read by {@link str} (contents, quotes excluded), and whether it had escapes or non-ASCII. */
let strStart = 0;
let strEnd = 0;
let strPlain = true;

/** Interned member and attribute names: FNV-1a of the bytes → entries, so a name becomes a string once per run. */
interface Name {
  readonly bytes: Uint8Array;
  readonly text: string;
  /** Index in {@link MEMBERS}, or -1. */
  readonly member: number;
  /** What the reader that asked last keeps of this name ({@link codeOf}). */
  code: number;
  codeFor: unknown;
  next: Name | undefined;
  /** This name's attribute heads, by value type (stringValue, intValue, doubleValue, boolValue). */
  readonly heads: Array<Head | undefined>;
}
const NAMES = new Map<number, Name>();
/** Cap, so input with endless distinct names cannot grow the table; past it names are made each time. */
const NAMES_MAX = 4096;
let namesCount = 0;

const MEMBERS = [
  'resourceSpans', 'resource', 'scopeSpans', 'scope', 'spans', 'traceId', 'spanId', 'parentSpanId', 'name', 'kind',
  'startTimeUnixNano', 'endTimeUnixNano', 'attributes', 'status', 'events', 'code', 'message', 'key', 'value',
  'stringValue', 'intValue', 'doubleValue', 'boolValue',
  // Read by no one, but on every span: named here so it is matched in place, not hashed and looked up.
  'flags',
] as const;
const M = Object.fromEntries(MEMBERS.map((m, i) => [m, i])) as Record<(typeof MEMBERS)[number], number>;

function ws(): void {
  while (pos < stop) {
    const c = buf[pos]!;
    if (c !== 32 && c !== 10 && c !== 13 && c !== 9) return;
    pos++;
  }
}

/** Consumes `c` after optional whitespace. */
function eat(c: number): boolean {
  ws();
  if (pos < stop && buf[pos] === c) {
    pos++;
    return true;
  }
  return false;
}

/**
 * A JSON string at `pos` (after whitespace), checked as JSON.parse checks it (no raw control character, valid
 * escapes); sets strStart/strEnd/strPlain. False when there is none or it is malformed.
 */
function str(): boolean {
  ws();
  if (pos >= stop || buf[pos] !== QUOTE) return false;
  let p = pos + 1;
  let plain = true;
  for (;;) {
    // Most bytes are printable ASCII other than a quote or backslash: one table lookup each.
    while (p < stop && (BYTE_CLASS[buf[p]!]! & PLAIN) !== 0) p++;
    if (p >= stop) return false;
    const c = buf[p]!;
    if (c === QUOTE) break;
    if (c === BACKSLASH) {
      plain = false;
      const e = buf[p + 1];
      if (e === 117) {
        // \uXXXX
        for (let k = 2; k < 6; k++) if (!isHexDigit(buf[p + k])) return false;
        p += 6;
        continue;
      }
      if (e !== QUOTE && e !== BACKSLASH && e !== 47 && e !== 98 && e !== 102 && e !== 110 && e !== 114 && e !== 116) return false;
      p += 2;
      continue;
    }
    if (c < 32) return false;
    if (c >= 128) plain = false;
    p++;
  }
  strStart = pos + 1;
  strEnd = p;
  strPlain = plain;
  pos = p + 1;
  return true;
}

/** Per byte: PLAIN (printable ASCII but `"` and `\\`), LOWER_HEX, UPPER_HEX. */
const BYTE_CLASS = new Uint8Array(256);
const PLAIN = 1;
const LOWER_HEX = 2;
const UPPER_HEX = 4;
for (let c = 32; c < 127; c++) if (c !== QUOTE && c !== BACKSLASH) BYTE_CLASS[c]! |= PLAIN;
for (const c of Buffer.from('0123456789abcdef')) BYTE_CLASS[c]! |= LOWER_HEX;
for (const c of Buffer.from('ABCDEF')) BYTE_CLASS[c]! |= UPPER_HEX;

function isHexDigit(c: number | undefined): boolean {
  return c !== undefined && ((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70));
}

/** The last string's value, as JSON.parse would give it. */
function strValue(): string {
  if (strPlain) return latin1(strStart, strEnd);
  return JSON.parse(DECODER.decode(buf.subarray(strStart - 1, strEnd + 1))) as string;
}

function latin1(a: number, b: number): string {
  // ASCII only here (checked by the caller): one char per byte.
  return LATIN1_SLICE === undefined ? buf.toString('latin1', a, b) : LATIN1_SLICE.call(buf, a, b);
}

/**
 * Buffer's own latin1 decoder, which `toString('latin1', a, b)` calls after its argument checks: several strings a
 * span, so the checks show. Undocumented, hence the fallback.
 */
const LATIN1_SLICE = (Buffer.prototype as unknown as { latin1Slice?: (this: Buffer, a: number, b: number) => string }).latin1Slice;

/**
 * {@link str} for a member or attribute name, hashing its bytes on the way (FNV-1a), then {@link name}: the name
 * as an interned entry; undefined when there is no string, or it has escapes.
 */
function nameStr(): Name | undefined {
  ws();
  if (pos >= stop || buf[pos] !== QUOTE) return undefined;
  let p = pos + 1;
  let h = 0x811c9dc5;
  for (;;) {
    if (p >= stop) return undefined;
    const c = buf[p]!;
    if (c === QUOTE) break;
    if (c === BACKSLASH) return undefined;
    if (c < 32) return undefined;
    h = Math.imul(h ^ c, 16777619);
    p++;
  }
  strStart = pos + 1;
  strEnd = p;
  pos = p + 1;
  // 30 bits: a small integer, never a heap number, as a Map key.
  return name(h & 0x3fffffff);
}

/** The name in strStart..strEnd (hash `h`, no escapes) as an interned entry. */
function name(h: number): Name {
  const len = strEnd - strStart;
  for (let e = NAMES.get(h); e !== undefined; e = e.next) {
    const bytes = e.bytes;
    if (bytes.length !== len) continue;
    let k = 0;
    while (k < len && bytes[k] === buf[strStart + k]) k++;
    if (k === len) return e;
  }
  const text = buf.toString('utf8', strStart, strEnd);
  // Copies, never views of the line's buffer: a reader may reuse it (file-byte-lines.ts), and a view would keep it all.
  const entry: Name = { bytes: Buffer.from(buf.subarray(strStart, strEnd)), text, member: MEMBERS.indexOf(text as never), code: -1, codeFor: undefined, next: NAMES.get(h), heads: [] };
  if (namesCount < NAMES_MAX) {
    NAMES.set(h, entry);
    namesCount++;
  }
  return entry;
}

/** The name's code for the current reader: ≥ 0 to keep (the sink's code, or 0), -1 to skip. */
function codeOf(n: Name): number {
  const reader = sink ?? keepAttribute;
  if (n.codeFor !== reader) {
    n.code = sink !== undefined ? sink.code(n.text) : keepAttribute(n.text) ? 0 : -1;
    n.codeFor = reader;
  }
  return n.code;
}

/** Keeps one attribute's value: into the sink, else the record's attributes. */
function keepValue(n: Name, code: number, value: AttrValue): boolean {
  if (sink !== undefined) return sink.put(code, n.text, value);
  attributes[n.text] = value;
  return true;
}

/** Member names with their closing quote, by first byte: compared in place, with no hashing or lookup. */
const BY_FIRST: Array<Array<{ readonly name: Pattern; readonly member: number }> | undefined> = [];
MEMBERS.forEach((m, i) => (BY_FIRST[m.charCodeAt(0)] ??= []).push({ name: pattern(Buffer.from(`${m}"`)), member: i }));

/** The index in {@link MEMBERS} of the member name at `pos` (colon consumed), -1 for a name this reader does not read, or MALFORMED. */
function member(): number {
  ws();
  if (pos >= stop || buf[pos] !== QUOTE) return MALFORMED;
  const list = BY_FIRST[buf[pos + 1]!];
  if (list !== undefined) {
    const at = pos + 1;
    for (let j = 0; j < list.length; j++) {
      const { name, member } = list[j]!;
      if (matchesAt(name, at)) {
        pos = at + name.bytes.length;
        return eat(COLON) ? member : MALFORMED;
      }
    }
  }
  const n = nameStr();
  return n !== undefined && eat(COLON) ? n.member : MALFORMED;
}
const MALFORMED = -2;

/**
 * Bytes to find in place, as 8-byte words read as doubles (little-endian) for comparing eight at a time: at offsets
 * 0, 8, 16, … and, when the length is not a multiple of 8, the last eight bytes (overlapping the word before), so no
 * byte is compared alone. Under 8 bytes, byte by byte. Equal doubles are equal bytes here: the two doubles equal with
 * other bits, +0 and -0, need seven zero bytes in a row, which no pattern has (it is JSON text: names, punctuation,
 * no raw control character); and a pattern word that reads as NaN equals nothing, so it only ever misses (the
 * caller then reads the bytes the long way).
 */
interface Pattern {
  readonly bytes: Buffer;
  readonly words: Float64Array;
  readonly offsets: Int32Array;
}

function pattern(bytes: Buffer): Pattern {
  const n = bytes.length;
  const count = n < 8 ? 0 : Math.ceil(n / 8);
  const words = new Float64Array(count);
  const offsets = new Int32Array(count);
  for (let k = 0; k < count; k++) {
    offsets[k] = Math.min(k * 8, n - 8);
    words[k] = bytes.readDoubleLE(offsets[k]!);
  }
  return { bytes, words, offsets };
}

/** Whether `p` is at `at`: word by word through {@link view}. */
function matchesAt(p: Pattern, at: number): boolean {
  const bytes = p.bytes;
  const n = bytes.length;
  if (at + n > stop) return false;
  if (n < 8) {
    for (let k = 0; k < n; k++) if (bytes[k] !== buf[at + k]) return false;
    return true;
  }
  const words = p.words;
  const offsets = p.offsets;
  for (let k = 0; k < words.length; k++) if (view.getFloat64(at + offsets[k]!, true) !== words[k]) return false;
  return true;
}

/**
 * Walks an object's members: `visit` is called with each {@link member}, with `pos` at its value, and must consume the value
 * (false stops the walk as malformed). Checks the braces and commas as JSON.parse does.
 */
function object(visit: (member: number) => boolean): boolean {
  if (!eat(LBRACE)) return false;
  if (eat(RBRACE)) return true;
  for (;;) {
    const m = member();
    if (m === MALFORMED || !visit(m)) return false;
    if (eat(COMMA)) continue;
    return eat(RBRACE);
  }
}

/** Walks an array: `item` consumes each element. */
function array(item: () => boolean): boolean {
  if (!eat(LBRACKET)) return false;
  if (eat(RBRACKET)) return true;
  for (;;) {
    if (!item()) return false;
    if (eat(COMMA)) continue;
    return eat(RBRACKET);
  }
}

/** Skips any JSON value, checking it as JSON.parse would. */
function skip(depth = 0): boolean {
  ws();
  if (pos >= stop) return false;
  const c = buf[pos]!;
  if (c === QUOTE) return str();
  if (c === LBRACE) return depth < MAX_DEPTH && skipObject(depth + 1);
  if (c === LBRACKET) return depth < MAX_DEPTH && skipArray(depth + 1);
  if (c === 116) return literal(TRUE);
  if (c === 102) return literal(FALSE);
  if (c === 110) return literal(NULL);
  return numberEnd() > 0;
}

/** {@link object} for a skipped object (no callback). */
function skipObject(depth: number): boolean {
  pos++;
  if (eat(RBRACE)) return true;
  for (;;) {
    if (!str() || !eat(COLON) || !skip(depth)) return false;
    if (eat(COMMA)) continue;
    return eat(RBRACE);
  }
}

/** {@link array} for a skipped array (no callback). */
function skipArray(depth: number): boolean {
  pos++;
  if (eat(RBRACKET)) return true;
  for (;;) {
    if (!skip(depth)) return false;
    if (eat(COMMA)) continue;
    return eat(RBRACKET);
  }
}

const TRUE = [116, 114, 117, 101];
const FALSE = [102, 97, 108, 115, 101];
const NULL = [110, 117, 108, 108];

function literal(bytes: readonly number[]): boolean {
  if (pos + bytes.length > stop) return false;
  for (let k = 0; k < bytes.length; k++) if (buf[pos + k] !== bytes[k]) return false;
  pos += bytes.length;
  return true;
}

/** Consumes a JSON number (its grammar exactly); returns its end, or -1. */
function numberEnd(): number {
  let p = pos;
  if (buf[p] === 45) p++;
  if (buf[p] === 48) p++;
  else if (isDigit(buf[p])) while (isDigit(buf[p])) p++;
  else return -1;
  if (buf[p] === 46) {
    p++;
    if (!isDigit(buf[p])) return -1;
    while (isDigit(buf[p])) p++;
  }
  if (buf[p] === 101 || buf[p] === 69) {
    p++;
    if (buf[p] === 43 || buf[p] === 45) p++;
    if (!isDigit(buf[p])) return -1;
    while (isDigit(buf[p])) p++;
  }
  if (p > stop) return -1;
  pos = p;
  return p;
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 48 && c <= 57;
}

/** A JSON number's value, as JSON.parse gives it; NaN when there is none. */
function numberValue(): number {
  ws();
  const a = pos;
  // The common number (`-?digits(.digits)?`, at most 15 digits, no leading zero before a digit) read in one pass,
  // as {@link decimal} would give it; anything else is read in two, from the start.
  let p = a;
  const negative = buf[p] === 45;
  if (negative) p++;
  const first = p;
  let digits = 0;
  for (let d = buf[p]! - 48; p < stop && d >= 0 && d <= 9; d = buf[++p]! - 48) digits = digits * 10 + d;
  let count = p - first;
  let fraction = 0;
  if (count > 0 && p < stop && buf[p] === 46) {
    const dot = ++p;
    for (let d = buf[p]! - 48; p < stop && d >= 0 && d <= 9; d = buf[++p]! - 48) digits = digits * 10 + d;
    fraction = p - dot;
    count += fraction;
    // A dot with no digit after it: not a number.
    if (fraction === 0) count = 0;
  }
  const c = buf[p];
  if (count === 0 || count > 15 || (buf[first] === 48 && p - first > 1 && buf[first + 1] !== 46) || c === 101 || c === 69) {
    pos = a;
    const b = numberEnd();
    return b < 0 ? NaN : decimal(a, b);
  }
  pos = p;
  const value = fraction > 0 ? digits / POW10[fraction]! : digits;
  return negative ? -value : value;
}

/** Exact powers of ten (every one up to 1e22 is a double). */
const POW10 = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

/**
 * The value of the decimal in buf[a, b) (JSON number grammar, already checked). At most 15 significant digits and no
 * exponent: digits ÷ 10^fraction digits, one correctly rounded division of two exact doubles, which is what
 * Number() gives; anything longer goes through Number() itself.
 */
function decimal(a: number, b: number): number {
  let p = a;
  const negative = buf[p] === 45;
  if (negative) p++;
  let digits = 0;
  let count = 0;
  let fraction = -1;
  for (; p < b; p++) {
    const c = buf[p]!;
    if (c === 46) {
      fraction = 0;
      continue;
    }
    if (c < 48 || c > 57 || count >= 15) return Number(latin1(a, b));
    digits = digits * 10 + (c - 48);
    count++;
    if (fraction >= 0) fraction++;
  }
  const value = fraction > 0 ? digits / POW10[fraction]! : digits;
  return negative ? -value : value;
}

/** A value read whole through JSON.parse of its own bytes (resource, scope, events: rare or small). */
function parsedValue(): unknown {
  ws();
  const a = pos;
  if (!skip()) return FAILED;
  return JSON.parse(DECODER.decode(buf.subarray(a, pos)));
}
const FAILED = Symbol('failed');

// ---- The document's shape -------------------------------------------------------------------------------------

function document(): boolean {
  let seen = false;
  const ok = object((m) => {
    if (m !== M.resourceSpans) return skip();
    if (seen) return false; // a repeated member: JSON.parse keeps the last one; left to the reference reader
    seen = true;
    return array(resourceSpans);
  });
  return ok && seen;
}

let resource: Record<string, AttrValue> = {};
let scopeName: string | undefined;

function resourceSpans(): boolean {
  let seen = 0;
  resource = {};
  return object((m) => {
    const bit = m === M.resource ? 1 : m === M.scopeSpans ? 2 : 0;
    if (bit === 0) return skip();
    // Repeated, or the resource after its spans (they are made with it): left to the reference reader.
    if (seen & bit || (bit === 1 && seen & 2)) return false;
    seen |= bit;
    if (bit === 2) return array(scopeSpans);
    const value = parsedValue();
    if (value === FAILED) return false;
    resource = isObject(value) ? decodeAttributes(value.attributes) : {};
    return true;
  });
}

function scopeSpans(): boolean {
  let seen = 0;
  scopeName = undefined;
  return object((m) => {
    const bit = m === M.scope ? 1 : m === M.spans ? 2 : 0;
    if (bit === 0) return skip();
    if (seen & bit || (bit === 1 && seen & 2)) return false;
    seen |= bit;
    if (bit === 2) return array(span);
    const value = parsedValue();
    if (value === FAILED) return false;
    scopeName = isObject(value) && typeof value.name === 'string' ? value.name : undefined;
    return true;
  });
}

// One span's fields while it is read.
let traceId: string | undefined;
let spanId: string | undefined;
let parentSpanId: string | undefined;
let spanName: string | undefined;
let kind = 0;
let startMs: number | undefined;
let endMs: number | undefined;
let attributes: Record<string, AttrValue> = NO_ATTRIBUTES as Record<string, AttrValue>;
let statusCode = 0;
let statusMessage: string | undefined;
let events: SpanRecord['events'] = [];
let spanSeen = 0;

const NO_EVENTS = decodeEvents(undefined);

function span(): boolean {
  traceId = spanId = parentSpanId = spanName = startMs = endMs = statusMessage = undefined;
  kind = 0;
  statusCode = 0;
  attributes = sink === undefined ? {} : NO_ATTRIBUTES;
  events = NO_EVENTS;
  spanSeen = 0;
  sink?.startSpan();
  if (!spanObject()) return false;
  // What the reference reader would report as a bad span is left to it.
  if (traceId === undefined || spanId === undefined || spanName === undefined || startMs === undefined || endMs === undefined) return false;
  const record: SpanRecord = {
    traceId,
    spanId,
    parentSpanId,
    name: spanName,
    kind,
    startMs,
    endMs,
    attributes,
    resource,
    scopeName,
    statusCode,
    statusMessage,
    events,
  };
  out.push(record);
  sink?.endSpan(record);
  return true;
}

/**
 * {@link object} for a span, with {@link spanMember}: the members of a writer's spans come in the same order span after
 * span, so, as for attribute heads, each member remembers the (up to) two that followed it last, and the name of the
 * next is first compared in place with those, as its compact bytes `"name":` (a span without a parent, say, parts
 * after `spanId`). Any other layout is read by {@link member}.
 */
function spanObject(): boolean {
  if (!eat(LBRACE)) return false;
  if (eat(RBRACE)) return true;
  let prev: number = SPAN_START;
  for (;;) {
    ws();
    let m = prev < 0 ? -1 : NEXT_MEMBER[prev]!;
    if (m >= 0 && matchesAt(COMPACT_MEMBER[m]!, pos)) pos += COMPACT_MEMBER[m]!.bytes.length;
    else {
      m = prev < 0 ? -1 : NEXT_MEMBER2[prev]!;
      if (m >= 0 && matchesAt(COMPACT_MEMBER[m]!, pos)) pos += COMPACT_MEMBER[m]!.bytes.length;
      else {
        m = member();
        if (m === MALFORMED) return false;
        if (prev >= 0 && m >= 0) {
          NEXT_MEMBER2[prev] = NEXT_MEMBER[prev]!;
          NEXT_MEMBER[prev] = m;
        }
      }
    }
    if (!spanMember(m)) return false;
    prev = m;
    if (eat(COMMA)) continue;
    return eat(RBRACE);
  }
}

/** Each member's compact name, `"name":`, and per member (and {@link SPAN_START}) the last two members after it in a span (-1: none yet). */
const COMPACT_MEMBER = MEMBERS.map((m) => pattern(Buffer.from(`"${m}":`)));
const SPAN_START = MEMBERS.length;
const NEXT_MEMBER = new Int8Array(MEMBERS.length + 1).fill(-1);
const NEXT_MEMBER2 = new Int8Array(MEMBERS.length + 1).fill(-1);

function spanMember(m: number): boolean {
  if (m < 0) return skip();
  // Every member read at most once: a repeated one is left to the reference reader (JSON.parse keeps the last).
  const bit = 1 << m;
  if (spanSeen & bit) return false;
  spanSeen |= bit;
  switch (m) {
    case M.traceId:
      return (traceId = hexId(32)) !== undefined;
    case M.spanId:
      return (spanId = hexId(16)) !== undefined;
    case M.parentSpanId:
      if ((parentSpanId = hexId(16)) !== undefined) return true;
      if (!str()) return false;
      // The reference reader takes any non-empty string here; an empty one is no parent.
      if (strEnd === strStart) return true;
      if (!strPlain) return false;
      parentSpanId = lowerCase(latin1(strStart, strEnd));
      return true;
    case M.name:
      if (!str()) return false;
      spanName = strValue();
      return true;
    case M.kind:
      kind = numberValue();
      return !Number.isNaN(kind);
    case M.startTimeUnixNano:
      return (startMs = nanos()) !== undefined;
    case M.endTimeUnixNano:
      return (endMs = nanos()) !== undefined;
    case M.attributes:
      lastHead = START_HEAD;
      return array(attribute);
    case M.status:
      return object(statusMember);
    case M.events: {
      const value = parsedValue();
      if (value === FAILED) return false;
      events = decodeEvents(value);
      return true;
    }
    default:
      return skip();
  }
}

function statusMember(m: number): boolean {
  if (m === M.code) {
    statusCode = numberValue();
    return !Number.isNaN(statusCode);
  }
  if (m === M.message) {
    ws();
    if (pos < stop && buf[pos] !== QUOTE) return skip();
    if (!str()) return false;
    statusMessage = strValue();
    return true;
  }
  return skip();
}

/** A lowercase hex id of `length` digits (uppercase lowered, as the reference reader does); undefined otherwise. */
function hexId(length: number): string | undefined {
  ws();
  if (pos >= stop || buf[pos] !== QUOTE) return undefined;
  const a = pos + 1;
  const b = a + length;
  if (b >= stop || buf[b] !== QUOTE) return undefined;
  let seen = LOWER_HEX;
  for (let p = a; p < b; p++) {
    const k = BYTE_CLASS[buf[p]!]! & (LOWER_HEX | UPPER_HEX);
    if (k === 0) return undefined;
    seen |= k;
  }
  pos = b + 1;
  const id = latin1(a, b);
  return seen & UPPER_HEX ? id.toLowerCase() : id;
}

function lowerCase(id: string): string {
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    if (c >= 65 && c <= 70) return id.toLowerCase();
  }
  return id;
}

/** Decimal-string nanoseconds → epoch ms, as decode.ts's nanosToMs (one pass, exact high part). */
function nanos(): number | undefined {
  ws();
  if (pos >= stop || buf[pos] !== QUOTE) return undefined;
  // Digits only, up to the closing quote (anything else in the string: the reference reader's).
  const a = pos + 1;
  if (a + 19 < stop && buf[a + 19] === QUOTE) {
    // 19 digits (every time from 2001 to 2286): the two parts in one pass.
    let high = 0;
    let low = 0;
    let q = a;
    for (; q < a + 13; q++) {
      const d = buf[q]! - 48;
      if (d < 0 || d > 9) break;
      high = high * 10 + d;
    }
    for (; q < a + 19; q++) {
      const d = buf[q]! - 48;
      if (d < 0 || d > 9) break;
      low = low * 10 + d;
    }
    if (q === a + 19) {
      pos = q + 1;
      return high + low / 1e6;
    }
  }
  let p = a;
  while (p < stop && isDigit(buf[p])) p++;
  const n = p - a;
  if (p >= stop || buf[p] !== QUOTE || n === 0 || n > 20) return undefined;
  pos = p + 1;
  const split = n > 6 ? p - 6 : a;
  let high = 0;
  for (let q = a; q < split; q++) high = high * 10 + (buf[q]! - 48);
  let low = 0;
  for (let q = split; q < p; q++) low = low * 10 + (buf[q]! - 48);
  return split === a ? low / 1e6 : high + low / 1e6;
}

// One attribute while it is read.
let attrName: Name | undefined;
let attrSeen = 0;

function attribute(): boolean {
  ws();
  const at = pos;
  if (compactAttribute()) return true;
  // Another layout (spaces, members in another order, another value type): the general walk, from the start.
  pos = at;
  attrName = undefined;
  attrSeen = 0;
  return object(attributeMember);
}

const KEY_OPEN = pattern(Buffer.from('{"key":"'));
const VALUE_OPEN = pattern(Buffer.from(',"value":{'));
const CLOSE_CLOSE = pattern(Buffer.from('}}'));

/**
 * The bytes of an attribute up to its value, `{"key":"<key>","value":{"<type>":`, and what they say. A writer
 * repeats the same attributes in the same order span after span, so each head remembers the ones that followed it
 * the last two times, and an attribute is first compared with those guesses in one pass: no hashing, no lookup. Two,
 * not one: spans of two kinds alternate in a trace (a model call, a tool call, ...), and their lists part after a
 * shared first attribute (`gen_ai.operation.name`), so one guess there would miss on every span.
 */
interface Head {
  readonly bytes: Pattern;
  readonly name: Name;
  /** The value's member: stringValue, intValue, doubleValue or boolValue. */
  readonly member: number;
  /** The attribute that followed this one last time, and the one before that (when it differed). */
  next: Head | undefined;
  next2: Head | undefined;
}
/** The head of the previous attribute of this span, or {@link START_HEAD} before its first. */
const START_HEAD: Head = { bytes: pattern(Buffer.alloc(0)), name: undefined as never, member: -1, next: undefined, next2: undefined };
let lastHead: Head = START_HEAD;

/** An attribute as every OTLP/JSON writer lays it out, `{"key":"…","value":{"<type>":…}}`. */
function compactAttribute(): boolean {
  const at = pos;
  const last = lastHead;
  let head = last.next;
  if (head !== undefined && matchesAt(head.bytes, at)) pos = at + head.bytes.bytes.length;
  else {
    head = last.next2;
    if (head !== undefined && matchesAt(head.bytes, at)) pos = at + head.bytes.bytes.length;
    else {
      if (!matchesAt(KEY_OPEN, at)) return false;
      pos = at + KEY_OPEN.bytes.length - 1;
      const n = nameStr();
      if (n === undefined || !matchesAt(VALUE_OPEN, pos)) return false;
      pos += VALUE_OPEN.bytes.length;
      const m = member();
      if (m < M.stringValue || m > M.boolValue) return false;
      head = n.heads[m - M.stringValue] ??= { bytes: pattern(Buffer.from(buf.subarray(at, pos))), name: n, member: m, next: undefined, next2: undefined };
      last.next2 = last.next;
      last.next = head;
    }
  }
  lastHead = head;
  const code = codeOf(head.name);
  if (code < 0) {
    if (!skip()) return false;
  } else {
    const value = scalar(head.member);
    if (value === undefined || !keepValue(head.name, code, value)) return false;
  }
  if (!matchesAt(CLOSE_CLOSE, pos)) return false;
  pos += 2;
  return true;
}

function attributeMember(m: number): boolean {
  if (m === M.key) {
    if (attrSeen !== 0) return false; // a repeated key, or the value before the key
    attrSeen = 1;
    attrName = nameStr();
    return attrName !== undefined;
  }
  if (m !== M.value) return skip();
  if (attrSeen !== 1) return false;
  attrSeen = 2;
  const code = codeOf(attrName!);
  if (code < 0) return skip();
  if (!eat(LBRACE)) return false;
  const value = scalar(member());
  if (value === undefined || !eat(RBRACE)) return false;
  return keepValue(attrName!, code, value);
}

/**
 * The value of an AnyValue member `m` (`stringValue` and the other scalar forms), as decode.ts gives it; undefined
 * for anything else, which is left to the reference reader.
 */
function scalar(m: number): AttrValue | undefined {
  ws();
  switch (m) {
    case M.stringValue:
      return str() ? strValue() : undefined;
    case M.intValue: {
      let value: number;
      if (pos < stop && buf[pos] === QUOTE) {
        if (!str() || !strPlain) return undefined;
        value = isDecimal(strStart, strEnd) ? decimal(strStart, strEnd) : Number(latin1(strStart, strEnd));
      } else {
        value = numberValue();
      }
      // The reference reader drops a non-finite count (and keeps an earlier value of the key): left to it.
      return Number.isFinite(value) ? value : undefined;
    }
    case M.doubleValue: {
      const value = numberValue();
      return Number.isFinite(value) ? value : undefined;
    }
    case M.boolValue:
      return literal(TRUE) ? true : literal(FALSE) ? false : undefined;
    default:
      return undefined;
  }
}

/** Digits with an optional leading minus (an intValue string as writers give it). */
function isDecimal(a: number, b: number): boolean {
  if (buf[a] === 45) a++;
  if (a >= b) return false;
  for (let p = a; p < b; p++) if (!isDigit(buf[p])) return false;
  return true;
}

// Parsed JSON is untyped by nature; the callers check each field's type before use.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function isObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
