// Loader hook for list.mjs: appends the URL of every module the ESM loader loads to the file in `data.out`. Runs on
// the loader's thread (module.register), so it writes synchronously: nothing is lost when the main thread exits.
import { appendFileSync } from 'node:fs';

let out;
export function initialize(data) {
  out = data.out;
}
export async function load(url, context, nextLoad) {
  if (url.startsWith('file:')) appendFileSync(out, `${url}\n`);
  return nextLoad(url, context);
}
