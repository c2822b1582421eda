import { finishGenAiRead, genAiSlotOf, offerGenAiAttribute, readGenAiSpan, startGenAiRead, type GenAiSpan } from '../model/genai-span.js';
import { readLineSpans, SpanInputError } from '../otlp/read-spans.js';
import { scanTraceLine, type AttributeSink } from '../otlp/scan-spans.js';
import type { AttrValue, ReadIssue, SpanRecord } from '../otlp/span-record.js';
import { ATTR_ENERGY_DEVICE_IDS, ATTR_OPENJOULES_TURN_REGENERATED } from '../../semconv.js';
import { attributeProblem, classifyRollupKey, rollupAttributeIssue, rollupReadsAttribute, validateRollupEvents, validateRollupSpan, type KeyClass } from './span-schema.js';

/** How a line's bad spans are handled: as the readers of otlp/read-spans.ts do. */
export interface LineIssueOptions {
  /** Throw {@link SpanInputError} at the first bad span instead of reporting it. */
  readonly strict?: boolean;
  readonly onIssue?: (issue: ReadIssue) => void;
}

/**
 * Reads lines of OTLP/JSON for the rollup straight into GenAI views: the scanner hands it each kept attribute
 * (otlp/scan-spans.ts's AttributeSink), which goes into the view, the rollup's checks (span-schema.ts) and the two
 * flags the rollup reads beside the view, so no span gets an attributes object that is built, walked twice and
 * dropped. The views, flags, issues (their order, file:line and reasons) and `readings` are those of
 * `readLineSpans(…, rollupReadsAttribute, …)` with `validateRollupSpan` then `readGenAiSpan` of each span kept; a
 * line the scanner leaves (outside its shape, or a repeated attribute key) is read that way. The views' records
 * carry no attributes: nothing after the views reads them on this path. One reader per thread; not reentrant.
 */
export class RollupLineReader implements AttributeSink {
  /** The valid spans of the last line read, and beside each {@link REGENERATED} when `openjoules.turn.regenerated` is true. */
  readonly views: GenAiSpan[] = [];
  readonly flags: number[] = [];
  /** Whether a span read so far carries device readings (`energy.device.ids`): the rollup's shares then need a first pass. */
  readings = false;

  // Per attribute code: the GenAI slot (-1 none), how the rollup checks it, its role (ROLE_*), the span it was last seen on.
  private readonly _codes = new Map<string, number>();
  private readonly _slot: number[] = [];
  private readonly _class: KeyClass[] = [];
  private readonly _role: number[] = [];
  private readonly _seen: number[] = [];
  private _span = 0;

  // The span being read.
  private _problemKey: string | undefined;
  private _problemWhy = '';
  private _spanFlags = 0;
  /** Per span of the line: its reason to be skipped (undefined when valid), and its flags (with READINGS). */
  private readonly _reasons: Array<string | undefined> = [];

  /**
   * Reads the line `bytes[start, end)` (`name`:`line` in issues): afterwards {@link views} and {@link flags} hold its
   * valid spans, in order. Issues are reported (or thrown) in the order the record readers report them.
   */
  read(bytes: Buffer, start: number, end: number, name: string, line: number, options: LineIssueOptions): void {
    const views = this.views;
    const flags = this.flags;
    views.length = flags.length = this._reasons.length = 0;
    const spans = scanTraceLine(bytes, start, end, this);
    if (spans === undefined) {
      views.length = flags.length = 0;
      this._readRecords(bytes, start, end, name, line, options);
      return;
    }
    let kept = 0;
    for (let i = 0; i < spans.length; i++) {
      const f = flags[i]!;
      if (f & READINGS) this.readings = true;
      const reason = this._reasons[i];
      if (reason !== undefined) {
        report({ file: name, line, reason }, options);
        continue;
      }
      views[kept] = views[i]!;
      flags[kept++] = f & REGENERATED;
    }
    views.length = flags.length = kept;
  }

  /** {@link AttributeSink}: a code per kept name, in the order first seen (bounded: past {@link MAX_CODES}, the reference reader). */
  code(key: string): number {
    let code = this._codes.get(key);
    if (code !== undefined) return code;
    if (!rollupReadsAttribute(key)) code = -1;
    else if (this._slot.length >= MAX_CODES) code = MAX_CODES;
    else {
      code = this._slot.length;
      this._slot.push(genAiSlotOf(key));
      this._class.push(classifyRollupKey(key));
      this._role.push(key === ATTR_OPENJOULES_TURN_REGENERATED ? ROLE_REGENERATED : key === ATTR_ENERGY_DEVICE_IDS ? ROLE_READINGS : 0);
      this._seen.push(0);
    }
    if (this._codes.size < 2 * MAX_CODES) this._codes.set(key, code);
    return code;
  }

  /** {@link AttributeSink}. */
  startSpan(): void {
    this._span = this._span === 0x3fffffff ? 1 : this._span + 1;
    this._problemKey = undefined;
    this._spanFlags = 0;
    startGenAiRead();
  }

  /** {@link AttributeSink}: into the view, the checks (the first failing attribute, in order, as validateRollupSpan) and the flags. */
  put(code: number, key: string, value: AttrValue): boolean {
    // A repeated key (the last value wins, at the first one's place) and a name past the cap: the reference reader's.
    if (code >= this._slot.length || this._seen[code] === this._span) return false;
    this._seen[code] = this._span;
    const slot = this._slot[code]!;
    if (slot >= 0) offerGenAiAttribute(slot, value);
    if (this._problemKey === undefined) {
      const why = attributeProblem(this._class[code]!, value);
      if (why !== undefined) {
        this._problemKey = key;
        this._problemWhy = why;
      }
    }
    const role = this._role[code]!;
    if (role === ROLE_READINGS) this._spanFlags |= READINGS;
    else if (role === ROLE_REGENERATED && value === true) this._spanFlags |= REGENERATED;
    return true;
  }

  /** {@link AttributeSink}. */
  endSpan(span: SpanRecord): void {
    this.views.push(finishGenAiRead(span));
    this.flags.push(this._spanFlags);
    this._reasons.push(this._problemKey !== undefined ? rollupAttributeIssue(span, this._problemKey, this._problemWhy) : validateRollupEvents(span));
  }

  /** The line read the record way (otlp/read-spans.ts), then each valid record's view. */
  private _readRecords(bytes: Buffer, start: number, end: number, name: string, line: number, options: LineIssueOptions): void {
    const validate = (span: SpanRecord): string | undefined => {
      if (span.attributes[ATTR_ENERGY_DEVICE_IDS] !== undefined) this.readings = true;
      return validateRollupSpan(span);
    };
    const records = readLineSpans(bytes, start, end, name, line, rollupReadsAttribute, { strict: options.strict, onIssue: options.onIssue, validate });
    for (const span of records) {
      this.views.push(readGenAiSpan(span));
      this.flags.push(span.attributes[ATTR_OPENJOULES_TURN_REGENERATED] === true ? REGENERATED : 0);
    }
  }
}

/** In {@link RollupLineReader.flags}: the span's `openjoules.turn.regenerated` is true. */
export const REGENERATED = 1;
/** While a line is read: the span carries `energy.device.ids`. */
const READINGS = 2;
const ROLE_REGENERATED = 1;
const ROLE_READINGS = 2;
/** Distinct kept attribute names a reader codes; input with more goes the reference way for the rest. */
const MAX_CODES = 4096;

function report(issue: ReadIssue, options: LineIssueOptions): void {
  if (options.strict) throw new SpanInputError(issue);
  options.onIssue?.(issue);
}
