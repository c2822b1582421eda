// Module hooks for record-loads.mjs: appends each loaded URL to the log file it is given.
import { appendFileSync } from 'node:fs';

let log;

export function initialize(data) {
  log = data.log;
}

export async function load(url, context, nextLoad) {
  appendFileSync(log, `import ${url}\n`);
  return nextLoad(url, context);
}
