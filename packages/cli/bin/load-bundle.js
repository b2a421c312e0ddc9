// Loads dist/main.cjs (the CLI bundle) as require() would, but through vm.Script with V8's code
// cache for it (dist/main.<build id>.cache, written by scripts/build.mjs from a run of common
// commands): compiling the bundle's functions was the largest cost of `fitsync sync status`
// above a plain node:http GET (scripts/bench.mjs). Node 20 has no built-in compile cache
// (module.enableCompileCache is Node 22). The cache is named after an id the build appends to
// the bundle, so it only ever meets the bundle it was made from; V8 checks its own version and
// flags and the source length, and simply compiles afresh when the cache is missing or rejected.
'use strict';
const { readFileSync } = require('node:fs');
const { createRequire, wrap } = require('node:module');
const { join } = require('node:path');
const { Script } = require('node:vm');

const ID_MARK = '//# fitsync-build=';

/** The build id the bundle ends with, or undefined (a bundle built without one). */
function buildId(source) {
  const at = source.lastIndexOf(ID_MARK);
  if (at === -1) return undefined;
  const end = source.indexOf('\n', at);
  const id = source.slice(at + ID_MARK.length, end === -1 ? undefined : end).trim();
  return /^[0-9a-f]{16,64}$/.test(id) ? id : undefined;
}

/**
 * The bundle's exports, and the compiled script (the build writes the cache from it after a run).
 * `dist` is the bundle's directory (the build trains a new one before swapping it in).
 */
function loadBundle({ useCache = true, dist = join(__dirname, '..', 'dist') } = {}) {
  const file = join(dist, 'main.cjs');
  const source = readFileSync(file, 'utf8');
  const id = buildId(source);
  let cachedData;
  if (useCache && id) {
    try {
      cachedData = readFileSync(join(dist, `main.${id}.cache`));
    } catch {
      // no cache for this build: compile as usual
    }
  }
  const script = new Script(wrap(source), { filename: file, ...(cachedData ? { cachedData } : {}) });
  const module = { exports: {}, filename: file, id: file };
  script.runInThisContext().call(module.exports, module.exports, createRequire(file), module, file, dist);
  return { exports: module.exports, script, cachePath: id ? join(dist, `main.${id}.cache`) : undefined, cacheRejected: script.cachedDataRejected === true };
}

module.exports = { loadBundle, buildId, ID_MARK };
