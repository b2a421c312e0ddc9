#!/usr/bin/env node
// CommonJS on purpose (bin/package.json), like the bundle (dist/main.cjs):
// Node's ESM loader costs start-up time. main() returns the exit code; this is
// the only place that sets it.
'use strict';
const argv = process.argv.slice(2);
if (argv.length === 1 && argv[0] === '--version') {
  // fs.writeSync, not process.stdout: creating the stdout stream (a pipe or
  // socket) costs more start-up time than everything else here.
  require('node:fs').writeSync(1, `fitsync ${require('../package.json').version}\n`);
} else {
  let main;
  try {
    ({ main } = require('./load-bundle.js').loadBundle().exports);
  } catch (err) {
    process.stderr.write(`fitsync: cannot load the CLI bundle (run \`npm run build\`): ${err.message}\n`);
    process.exitCode = 1;
  }
  if (main) main(argv).then((code) => {
    process.exitCode = code;
  });
}
