/* eslint-disable @typescript-eslint/no-explicit-any -- OTLP JSON read loosely */
// The peers' spans, as the real libraries emit them, kept under test/fixtures/peers/ for the analysis commands: one
// file per peer in the Collector file format, written through JsonlSpanExporter. OPENJOULES_UPDATE_PEER_FIXTURES=1
// rewrites a file from the spans of its test; otherwise the test checks the committed file still has the span names
// and attribute keys the library emits now (energy attributes, whose set depends on timing, left out).
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { expect } from 'vitest';
import { JsonlSpanExporter } from '../../../src/runtime/export/jsonl-span-exporter.js';
import { repoRoot } from '../../helpers/build.js';

export const FIXTURE_DIR = join(repoRoot, 'test', 'fixtures', 'peers');

/** One resource for every fixture: no host name, pid or command line of the machine that wrote it. */
const FIXTURE_RESOURCE = resourceFromAttributes({ 'service.name': 'peer-fixture' });

function withFixtureResource(span: ReadableSpan): ReadableSpan {
  return {
    name: span.name,
    kind: span.kind,
    spanContext: () => span.spanContext(),
    parentSpanContext: span.parentSpanContext,
    startTime: span.startTime,
    endTime: span.endTime,
    status: span.status,
    attributes: span.attributes,
    links: span.links,
    events: span.events,
    duration: span.duration,
    ended: span.ended,
    resource: FIXTURE_RESOURCE,
    instrumentationScope: span.instrumentationScope,
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
  };
}

const shapeLine = (scope: string, name: string, keys: string[]): string =>
  `${scope} | ${name} | ${keys.filter((k) => !k.startsWith('energy.')).sort().join(' ')}`;

/** Per span: scope, name and attribute keys, sorted. */
export function shapeOfSpans(spans: readonly ReadableSpan[]): string[] {
  return spans.map((s) => shapeLine(s.instrumentationScope.name, s.name, Object.keys(s.attributes))).sort();
}

function shapeOfFile(file: string): string[] {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .flatMap((line) => JSON.parse(line).resourceSpans as any[])
    .flatMap((rs) => rs.scopeSpans.flatMap((ss: any) => ss.spans.map((s: any) => shapeLine(ss.scope.name, s.name, s.attributes.map((a: any) => a.key)))))
    .sort();
}

/** Rewrites (when asked) and checks the fixture `file` against `spans`. */
export async function checkPeerFixture(file: string, spans: readonly ReadableSpan[], options: { write: boolean }): Promise<void> {
  const path = join(FIXTURE_DIR, file);
  if (options.write && process.env.OPENJOULES_UPDATE_PEER_FIXTURES === '1') {
    rmSync(path, { force: true });
    const exporter = new JsonlSpanExporter({ file: path });
    await new Promise<void>((resolve, reject) =>
      exporter.export(spans.map(withFixtureResource), (result) => (result.error ? reject(result.error) : resolve())),
    );
    await exporter.shutdown();
    console.log(`openjoules: wrote ${path}`);
  }
  expect(shapeOfFile(path), `${file} no longer matches the library's spans: rerun with OPENJOULES_UPDATE_PEER_FIXTURES=1`).toEqual(shapeOfSpans(spans));
}
