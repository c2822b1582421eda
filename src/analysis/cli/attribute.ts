/**
 * `openjoules attribute`: per-request joules for a serving engine's request spans (vLLM's `llm_request`), from the
 * energy timeline `openjoules sample` recorded on the GPU host. Writes the span input again (OTLP/JSON lines, as the
 * Collector's file exporter does) with the joules on each request span and on the caller's span that made it, plus
 * one span with the devices' joules and the idle rest; optionally re-exports it to an OTLP/HTTP endpoint.
 *
 * Without `--timeline`: the spans of several processes that shared a device get their attributed joules across those
 * processes, from the device readings the spans carry (serving/attribute-host-shares.ts); written and re-exported
 * the same way.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SpanInputError } from '../otlp/read-spans.js';
import { formatIssue } from '../otlp/span-record.js';
import { ATTRIBUTION_RULES, type AttributionRule } from '../serving/attribute-energy.js';
import type { AttributeHostSharesResult } from '../serving/attribute-host-shares.js';
import { AttributionError, attributeSpans, RULE_METHOD, type AttributeSpansResult } from '../serving/attribute-spans.js';
import { TimelineInputError } from '../serving/read-timeline.js';
import { defineCliCommand } from './command.js';
import { COMMANDS } from './commands.js';
import { EXIT } from './exit-codes.js';
import { envOf, type CommandIo } from './io.js';
import { collectFlag } from './options.js';

/** Exit statuses of `openjoules attribute`. */
export const ATTRIBUTE_EXIT = {
  /** Every input line was read; output written (and re-exported when asked). */
  OK: EXIT.OK,
  /** Some lines or spans were bad, reported and skipped; output written from the rest. */
  SKIPPED: EXIT.SKIPPED,
  /** Nothing written: a flag was wrong, an input could not be read, nothing to attribute, or `--strict` met bad input. */
  FAILED: EXIT.FAILED,
  /** Output written, but the re-export to `--otlp-endpoint` failed for some lines. */
  EXPORT_FAILED: EXIT.SEND_FAILED,
} as const;

/** The file written inside `--out` when it names a directory. */
export const ATTRIBUTE_OUT_FILE = 'attributed-traces.jsonl';

/** Default `--out`, in the folder every openjoules command writes to. */
export const DEFAULT_ATTRIBUTE_OUT = `openjoules-out/${ATTRIBUTE_OUT_FILE}`;

/** Options of `openjoules attribute`, parsed. */
export interface AttributeCliOptions {
  readonly inputs: readonly string[];
  readonly timeline: readonly string[];
  readonly out: string;
  readonly rule: string;
  /** Comma-separated device ids. */
  readonly devices?: string;
  readonly otlpEndpoint?: string;
  readonly strict: boolean;
}

/** What a run did, returned by the command for callers of citty's `runCommand`. */
export interface AttributeRunResult {
  readonly exitCode: number;
  readonly out?: string;
  readonly result?: AttributeSpansResult;
  /** Without `--timeline`: the re-attribution across processes. */
  readonly hostShares?: AttributeHostSharesResult;
  readonly skipped: number;
  /** Documents re-exported to `--otlp-endpoint`. */
  readonly exported?: number;
}

/** Runs `openjoules attribute`: the output path on stdout; bad lines, the energy summary and notes on stderr. */
export async function runAttribute(o: AttributeCliOptions, io: CommandIo, env: NodeJS.ProcessEnv = envOf(io)): Promise<AttributeRunResult> {
  const say = (line: string): void => void io.stderr.write(`${line}\n`);
  let skipped = 0;
  const fail = (message: string): AttributeRunResult => {
    say(`openjoules attribute: ${message}`);
    return { exitCode: ATTRIBUTE_EXIT.FAILED, skipped };
  };
  if (o.inputs.length === 0) return fail('no span input; give --input <file|dir> (repeatable)');
  if (o.timeline.length === 0) return runHostShares(o, io, env);
  if (!(ATTRIBUTION_RULES as readonly string[]).includes(o.rule)) return fail(`--rule must be one of ${ATTRIBUTION_RULES.join(', ')}, got "${o.rule}"`);
  const rule = o.rule as AttributionRule;
  const devices = o.devices?.split(',').map((d) => d.trim()).filter(Boolean);
  const out = outputFile(o.out);

  let result: AttributeSpansResult;
  try {
    result = await attributeSpans({
      inputs: o.inputs,
      timeline: o.timeline,
      out,
      rule,
      devices,
      strict: o.strict,
      onIssue: (issue) => {
        skipped++;
        say(formatIssue(issue));
      },
    });
  } catch (error) {
    if (error instanceof SpanInputError) return fail(`${formatIssue(error.issue)} (--strict: stopped, nothing written)`);
    if (error instanceof TimelineInputError) {
      // Line 0: not a line of a file, but the device selection the files allow.
      return fail(error.issue.line > 0 ? `${formatIssue(error.issue)} (--strict: stopped, nothing written)` : `${error.issue.reason}; nothing written`);
    }
    if (error instanceof AttributionError) return fail(`${error.message}; nothing written`);
    return fail(`cannot read input: ${(error as Error).message}`);
  }
  io.stdout.write(`${out}\n`);
  for (const line of describeResult(result, rule, skipped)) say(line);

  const replay = await reexport(out, o.otlpEndpoint, env, say);
  if (replay.failed) return { exitCode: ATTRIBUTE_EXIT.EXPORT_FAILED, out, result, skipped, exported: replay.sent };
  return { exitCode: skipped > 0 ? ATTRIBUTE_EXIT.SKIPPED : ATTRIBUTE_EXIT.OK, out, result, skipped, exported: replay.sent };
}

/** Without `--timeline`: the spans' attributed joules shared across the processes that shared a device. */
async function runHostShares(o: AttributeCliOptions, io: CommandIo, env: NodeJS.ProcessEnv): Promise<AttributeRunResult> {
  const say = (line: string): void => void io.stderr.write(`${line}\n`);
  let skipped = 0;
  const out = outputFile(o.out);
  const { attributeHostShares } = await import('../serving/attribute-host-shares.js');
  let hostShares: AttributeHostSharesResult;
  try {
    hostShares = await attributeHostShares({
      inputs: o.inputs,
      out,
      strict: o.strict,
      onIssue: (issue) => {
        skipped++;
        say(formatIssue(issue));
      },
    });
  } catch (error) {
    const stop = (message: string): AttributeRunResult => {
      say(`openjoules attribute: ${message}`);
      return { exitCode: ATTRIBUTE_EXIT.FAILED, skipped };
    };
    if (error instanceof SpanInputError) return stop(`${formatIssue(error.issue)} (--strict: stopped, nothing written)`);
    if (error instanceof AttributionError) return stop(`${error.message}; nothing written`);
    return stop(`cannot read input: ${(error as Error).message}`);
  }
  io.stdout.write(`${out}\n`);
  const j = (x: number): string => `${x.toFixed(3)} J`;
  say(`openjoules attribute: ${hostShares.spans} of ${hostShares.read} span(s) carry device readings; energy.attributed.joules shared across the processes on each device`);
  for (const d of hostShares.devices) {
    say(`  ${d.id}  ${d.processes} process(es), ${j(d.deviceJoules)} from the first span boundary to the last, ${j(d.idleJoules)} of it while no span ran (given to none)`);
    if (d.note) say(`  ${d.id}  ${d.note}`);
  }
  say(`openjoules attribute: ${skipped} bad input(s) skipped${skipped > 0 ? ' (see above)' : ''}`);
  const replay = await reexport(out, o.otlpEndpoint, env, say);
  const exitCode = replay.failed ? ATTRIBUTE_EXIT.EXPORT_FAILED : skipped > 0 ? ATTRIBUTE_EXIT.SKIPPED : ATTRIBUTE_EXIT.OK;
  return { exitCode, out, hostShares, skipped, exported: replay.sent };
}

/** Sends the output to `--otlp-endpoint` when given. */
async function reexport(out: string, endpoint: string | undefined, env: NodeJS.ProcessEnv, say: (line: string) => void): Promise<{ sent?: number; failed: boolean }> {
  if (endpoint === undefined) return { failed: false };
  const { otlpTracesUrlFor, replayOtlpJsonLines } = await import('../serving/replay-otlp.js');
  const { otlpExporterConfig } = await import('../../runtime/setup/otlp-config.js');
  const url = otlpTracesUrlFor(endpoint);
  const headers = otlpExporterConfig(env, 'traces').config?.headers ?? {};
  const replay = await replayOtlpJsonLines(out, { url, headers });
  for (const failure of replay.failures.slice(0, 10)) say(failure);
  if (replay.failures.length > 10) say(`… and ${replay.failures.length - 10} more`);
  say(`openjoules attribute: re-exported ${replay.sent} document(s) to ${url}${replay.failures.length > 0 ? `, ${replay.failures.length} failed` : ''}`);
  return { sent: replay.sent, failed: replay.failures.length > 0 };
}

/** `--out` as a file: a directory (existing, or written with a trailing slash) gets {@link ATTRIBUTE_OUT_FILE}. */
function outputFile(out: string): string {
  if (/[/\\]$/.test(out) || (existsSync(out) && statSync(out).isDirectory())) return join(out, ATTRIBUTE_OUT_FILE);
  return out;
}

/** The energy summary printed after a run. */
function describeResult(r: AttributeSpansResult, rule: AttributionRule, skipped: number): string[] {
  const a = r.attribution;
  const requestJoules = a.deviceJoules - a.idleJoules;
  const prefill = a.requests.reduce((s, q) => s + q.prefillJoules, 0);
  const decode = a.requests.reduce((s, q) => s + q.decodeJoules, 0);
  const seconds = (a.windowEndMs - a.windowStartMs) / 1000;
  const j = (x: number): string => `${x.toFixed(3)} J`;
  const lines = [
    `openjoules attribute: ${r.requests} request span(s), rule ${rule} (${RULE_METHOD[rule]}), devices ${r.devices.join(', ')}`,
    `  window    ${new Date(a.windowStartMs).toISOString()} to ${new Date(a.windowEndMs).toISOString()} (${seconds.toFixed(3)} s)`,
    `  devices   ${j(a.deviceJoules)}`,
    `  requests  ${j(requestJoules)} (prefill ${j(prefill)}, decode ${j(decode)})`,
    `  idle      ${j(a.idleJoules)} (no request on the GPU; not spread over requests)`,
    `  callers   ${r.callers} span(s) got energy.serving.joules${r.callersMissing > 0 ? `; ${r.callersMissing} request(s) have a caller span that is not in the input` : ''}`,
  ];
  if (r.outside > 0) lines.push(`  note: ${r.outside} request span(s) lie outside the timeline: no energy written on them`);
  if (r.partlyCovered > 0) lines.push(`  note: ${r.partlyCovered} request span(s) only partly covered by the timeline (energy.serving.coverage < 1)`);
  if (r.timelineGaps > 0) lines.push(`  note: the timeline has ${r.timelineGaps} gap(s) (sampler stopped or restarted): energy there is unknown, not counted`);
  if (r.tokensMissing > 0) lines.push(`  note: ${r.tokensMissing} request span(s) have no token counts: split equally where they ran`);
  lines.push(`openjoules attribute: ${skipped} bad input(s) skipped${skipped > 0 ? ' (see above)' : ''}`);
  return lines;
}

export default defineCliCommand({
  meta: { name: 'attribute', description: COMMANDS.attribute.description },
  args: {
    input: { type: 'string', alias: 'i', description: 'OTLP/JSON lines with the request spans (Collector file exporter output): a file or directory; repeatable', valueHint: 'file|dir' },
    timeline: {
      type: 'string',
      alias: 't',
      description: 'Energy timeline written by `openjoules sample`: a file or directory; repeatable. Without it: share the spans\' joules across the processes that shared a device, from the device readings they carry',
      valueHint: 'file|dir',
    },
    out: { type: 'string', alias: 'o', description: `Output OTLP/JSON lines file (a directory gets ${ATTRIBUTE_OUT_FILE})`, default: DEFAULT_ATTRIBUTE_OUT },
    rule: { type: 'string', description: 'fair: equal shares among the requests on the GPU; tokens: by tokens per second in each phase', default: 'fair' },
    devices: { type: 'string', description: 'Timeline devices to use, comma-separated ids (default: every GPU)' },
    'otlp-endpoint': { type: 'string', description: 'Also send the output to this OTLP/HTTP endpoint (e.g. a Collector at http://127.0.0.1:4318)' },
    strict: { type: 'boolean', description: 'Stop at the first bad input (exit 2) instead of skipping it', default: false },
  },
  run: ({ args, rawArgs, inputs, io }) =>
    runAttribute(
      {
        inputs,
        timeline: collectFlag(rawArgs, ['--timeline', '-t']),
        out: args.out,
        rule: args.rule,
        devices: args.devices,
        otlpEndpoint: args['otlp-endpoint'],
        strict: args.strict,
      },
      io,
      envOf(io),
    ),
});
