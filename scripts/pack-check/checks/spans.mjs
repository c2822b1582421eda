// spans.mjs <file|dir> [--energy] <span name>...: the named spans are in the exported output — OTLP/JSON lines (a
// .jsonl file or a directory of them) or byo-sdk.mjs's JSON list — and, with --energy, each carries energy.joules
// (a number) and energy.source. Prints one line per span; exits 1 naming what is missing.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const target = args.shift();
const energy = args[0] === '--energy' ? Boolean(args.shift()) : false;
const wanted = args;

function fromOtlp(text) {
  return text.split('\n').filter(Boolean).flatMap((line) =>
    JSON.parse(line).resourceSpans.flatMap((rs) =>
      rs.scopeSpans.flatMap((ss) =>
        ss.spans.map((s) => ({
          name: s.name,
          scope: ss.scope?.name,
          energy: Object.fromEntries(
            s.attributes.filter((a) => a.key.startsWith('energy.')).map((a) => [a.key, Object.values(a.value)[0]]),
          ),
        })),
      ),
    ),
  );
}

const files = statSync(target).isDirectory() ? readdirSync(target).filter((f) => f.endsWith('.jsonl')).map((f) => join(target, f)) : [target];
const spans = files.flatMap((file) => (file.endsWith('.json') ? JSON.parse(readFileSync(file, 'utf8')) : fromOtlp(readFileSync(file, 'utf8'))));
const problems = [];
for (const name of wanted) {
  const span = spans.find((s) => s.name === name);
  if (!span) {
    problems.push(`no span "${name}" (got: ${[...new Set(spans.map((s) => s.name))].join(', ') || 'none'})`);
    continue;
  }
  const joules = Number(span.energy['energy.joules']);
  console.log(`  ${name} [${span.scope}]: energy.joules=${span.energy['energy.joules'] ?? '-'} energy.source=${span.energy['energy.source'] ?? '-'}`);
  if (energy && !(Number.isFinite(joules) && span.energy['energy.source'])) problems.push(`span "${name}" has no energy attributes`);
}
if (problems.length > 0) {
  for (const p of problems) console.log(`  ${p}`);
  process.exit(1);
}
