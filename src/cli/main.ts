#!/usr/bin/env node
/**
 * The `openjoules` command. Subcommands load lazily, so `openjoules --help` never loads koffi or the SDK.
 */
import { defineCommand, runMain } from 'citty';
import { TRACER_VERSION } from '../trace/tracer.js';

export const main = defineCommand({
  meta: {
    name: 'openjoules',
    version: TRACER_VERSION,
    description: 'Joules for every step an AI agent takes: OpenTelemetry spans with energy, and the KPIs built from them.',
  },
  subCommands: {
    summary: () => import('./summary.js').then((m) => m.default),
    devices: () => import('./devices.js').then((m) => m.default),
    rollup: () => import('./rollup.js').then((m) => m.default),
    stats: () => import('./stats.js').then((m) => m.default),
    export: () => import('./export.js').then((m) => m.default),
    report: () => import('./report.js').then((m) => m.default),
    attribute: () => import('./attribute.js').then((m) => m.default),
    sample: () => import('./sample.js').then((m) => m.default),
  },
});

void runMain(main);
