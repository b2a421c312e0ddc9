#!/usr/bin/env node
// CommonJS on purpose (bin/package.json): a bare `fitsync --version` answers
// without starting Node's ESM loader. Everything else goes to main(), which
// returns the exit code; this is the only place that sets it.
'use strict';
const argv = process.argv.slice(2);
if (argv.length === 1 && argv[0] === '--version') {
  process.stdout.write(`fitsync ${require('../package.json').version}\n`);
} else {
  import('../dist/main.js').then(
    async ({ main }) => {
      process.exitCode = await main(argv);
    },
    (err) => {
      process.stderr.write(`fitsync: cannot load the CLI bundle (run \`npm run build\`): ${err.message}\n`);
      process.exitCode = 1;
    },
  );
}
