// Preload (`node --import`) that records every module the process loads into $OJ_LOAD_LOG: ES modules through a
// load hook, CommonJS ones from require.cache at exit. For the test that `openjoules --help` loads nothing heavy.
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';

const log = process.env.OJ_LOAD_LOG;
register('./record-loads-hooks.mjs', import.meta.url, { data: { log } });
process.on('exit', () => {
  const cache = createRequire(import.meta.url).cache;
  appendFileSync(log, Object.keys(cache).map((path) => `require ${path}\n`).join(''));
});
