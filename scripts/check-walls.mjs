// The package walls, checked by a tool (issue 8, point 7; style.md rule 1): run by `npm run lint`.
// For every import in packages/<p>/{src,test}:
//   - `@fitsync/<q>/<sub>` only through a subpath q's package.json exports (no `@fitsync/q/src/...`);
//   - a relative import never leaves packages/<p>/ (no `../../other-package/...`);
//   - `@fitsync/<q>` must be declared in p's package.json (dependencies; devDependencies for tests);
//   - src imports only packages below it in LAYERS, and the CLI never imports the server (nor the
//     sim outside its tests).
// It then checks itself: the fixture tree under scripts/fixtures/walls must yield exactly the
// violations listed there, so a checker that stopped catching them fails the lint too.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Lowest first: a package's src may import only packages before it. */
const LAYERS = ['runtime', 'api', 'garmin', 'garmin-sim', 'server', 'cli', 'web'];
/** Imports forbidden whatever package.json says: [from, to, in which part]. */
const FORBIDDEN = [
  ['cli', 'server', ['src', 'test']],
  ['cli', 'garmin-sim', ['src']],
  // The browser app reaches the server only over HTTP; runtime and garmin are Node code.
  ['web', 'server', ['src']],
  ['web', 'cli', ['src']],
  ['web', 'runtime', ['src']],
  ['web', 'garmin', ['src']],
  ['web', 'garmin-sim', ['src']],
];

// Static import/export … from '…', bare import '…', and import('…') with a literal.
const SPECIFIER = /(?:\b(?:import|export)\s[^'"`;]*?\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"]([^'"\n]+)['"]/g;

function walk(dir, out) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name === 'fixtures' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.(ts|tsx|mts|mjs|js)$/.test(name)) out.push(p);
  }
  return out;
}

function readPackages(root) {
  const pkgs = new Map();
  const dir = join(root, 'packages');
  for (const name of readdirSync(dir)) {
    const file = join(dir, name, 'package.json');
    if (!existsSync(file)) continue;
    const json = JSON.parse(readFileSync(file, 'utf8'));
    pkgs.set(name, {
      dir: join(dir, name),
      exports: Object.keys(typeof json.exports === 'object' && json.exports ? json.exports : { '.': json.exports }),
      deps: new Set(Object.keys(json.dependencies ?? {})),
      devDeps: new Set(Object.keys(json.devDependencies ?? {})),
    });
  }
  return pkgs;
}

/** Every wall violation under `root` (a repository or a fixture tree shaped like one). */
export function findViolations(root) {
  const pkgs = readPackages(root);
  const out = [];
  for (const [name, pkg] of pkgs) {
    for (const part of ['src', 'test']) {
      for (const file of walk(join(pkg.dir, part), [])) {
        const text = readFileSync(file, 'utf8');
        for (const m of text.matchAll(SPECIFIER)) {
          const spec = m[1];
          const line = text.slice(0, m.index).split('\n').length;
          const problem = judge(name, part, pkg, pkgs, file, spec);
          if (problem) out.push({ file: relative(root, file).split(sep).join('/'), line, spec, problem });
        }
      }
    }
  }
  return out;
}

function judge(name, part, pkg, pkgs, file, spec) {
  if (spec.startsWith('.')) {
    const target = resolve(dirname(file), spec);
    if (target !== pkg.dir && !target.startsWith(pkg.dir + sep)) return 'relative import out of its package';
    return null;
  }
  const m = /^@fitsync\/([^/]+)(\/.*)?$/.exec(spec);
  if (!m) return null;
  const [, dep, sub] = m;
  const target = pkgs.get(dep);
  if (!target) return `no workspace package @fitsync/${dep}`;
  if (sub && !target.exports.includes(`.${sub}`)) return `deep import: @fitsync/${dep} exports no ${sub.slice(1)}`;
  for (const [from, to, parts] of FORBIDDEN) {
    if (name === from && dep === to && parts.includes(part)) return `${from} must not import ${to}`;
  }
  if (dep === name) return null;
  const declared = pkg.deps.has(`@fitsync/${dep}`) || (part === 'test' && pkg.devDeps.has(`@fitsync/${dep}`));
  if (!declared) return `@fitsync/${dep} is not declared in packages/${name}/package.json`;
  if (part === 'src' && LAYERS.indexOf(dep) >= LAYERS.indexOf(name)) return `${name} sits below ${dep}: it may not import it`;
  return null;
}

function format(v) {
  return `${v.file}:${v.line}: '${v.spec}': ${v.problem}`;
}

const here = dirname(fileURLToPath(import.meta.url));
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const found = findViolations(resolve(here, '..'));
  for (const v of found) console.error(format(v));

  const fixture = join(here, 'fixtures', 'walls');
  const expected = readFileSync(join(fixture, 'expected.txt'), 'utf8').split('\n').filter(Boolean);
  const got = findViolations(fixture).map(format);
  const missed = expected.filter((e) => !got.includes(e));
  const extra = got.filter((g) => !expected.includes(g));
  for (const e of missed) console.error(`check-walls self-test: not flagged: ${e}`);
  for (const e of extra) console.error(`check-walls self-test: flagged but not expected: ${e}`);

  if (found.length > 0 || missed.length > 0 || extra.length > 0) process.exit(1);
  console.log(`package walls hold (self-test: ${expected.length} planted violations flagged)`);
}
