// One test command for the whole repository: builds the bundles (the black-box
// tests run the built CLI and server), then runs every package's tests with
// node's own test runner. Arguments filter test files by substring, e.g.
// `npm test -- cli/test/auth`.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const filters = process.argv.slice(2).filter((a) => !a.startsWith('-'));

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name === 'fixtures') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const files = [];
for (const pkg of readdirSync(join(root, 'packages'))) {
  const testDir = join(root, 'packages', pkg, 'test');
  try {
    walk(testDir, files);
  } catch {
    // a package without tests yet
  }
}
const selected = files
  .map((f) => relative(root, f))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (selected.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}

const buildRun = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'inherit' });
if (buildRun.status !== 0) process.exit(buildRun.status ?? 1);

const concurrency = process.env.FITSYNC_TEST_CONCURRENCY ?? '3';
const run = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...selected],
  { cwd: root, stdio: 'inherit', env: { ...process.env, FITSYNC_REPO_ROOT: root } },
);
process.exit(run.status ?? 1);
