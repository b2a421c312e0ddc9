// Bundles each runnable entry point with esbuild. In the CLI, heavy, rarely
// used modules (QR codes, the progress bar) are import()ed, so they are only
// evaluated when a command needs them: start-up time is part of the product contract.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { buildWeb } from './build-web.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: 'linked',
  logLevel: 'warning',
  absWorkingDir: root,
  // Bundled CommonJS dependencies may call require(); give ESM output one.
  banner: { js: "import { createRequire as __fitsyncCreateRequire } from 'node:module'; const require = __fitsyncCreateRequire(import.meta.url);" },
};

const targets = [
  // The CLI is one minified CommonJS file (dist/main.cjs): Node's ESM loader
  // alone cost ~20% of `fitsync auth status` (scripts/bench.mjs). Its import()s
  // stay lazy inside the bundle: a command's module, smol-toml, node:http and
  // qrcode are only evaluated when the chosen command needs them. The bin loads it with a V8 code
  // cache written here from a run of the everyday commands (scripts/cli-code-cache.mjs,
  // packages/cli/bin/load-bundle.js).
  { pkg: 'cli', entry: 'src/main.ts', splitting: false, external: [], minify: true, format: 'cjs', codeCache: true },
  // The server's FIT decode threads start from their own entry, dist/decode-worker.js
  // (src/activities/decode-pool.ts finds it); the FIT SDK is bundled into its side only.
  {
    pkg: 'server',
    entry: 'src/main.ts',
    workers: { 'decode-worker': 'src/activities/decode-worker.ts' },
    splitting: true,
    external: ['better-sqlite3', 'pg', 'pg-native', '@node-rs/argon2'],
  },
  { pkg: 'garmin-sim', entry: 'src/main.ts', splitting: false, external: [] },
];

for (const t of targets) {
  // Built beside dist/ and swapped in at the end, so a test or server already running from
  // dist/ (another `npm test` on the same checkout) never sees a half-written bundle.
  const dist = `${root}/packages/${t.pkg}/dist`;
  const outdir = `packages/${t.pkg}/dist.next-${process.pid}`;
  rmSync(`${root}/${outdir}`, { recursive: true, force: true });
  await build({
    ...common,
    entryPoints: {
      main: `packages/${t.pkg}/${t.entry}`,
      ...Object.fromEntries(Object.entries(t.workers ?? {}).map(([name, entry]) => [name, `packages/${t.pkg}/${entry}`])),
    },
    outdir,
    splitting: t.splitting,
    chunkNames: 'chunks/[name]-[hash]',
    external: t.external,
    ...(t.minify ? { minify: true } : {}),
    // CommonJS output has a real require() and no import.meta: no banner; .cjs because the package is "type": "module".
    // In CommonJS output esbuild keeps import() of node:http(s) as a real import(), which starts
    // Node's ESM loader on every API call (~15% of `fitsync sync status`, scripts/bench.mjs);
    // declared unsupported, it becomes a lazy require() like every other import() in the bundle.
    ...(t.format === 'cjs' ? { format: 'cjs', banner: {}, outExtension: { '.js': '.cjs' }, supported: { 'dynamic-import': false } } : {}),
    // The id names the bundle's code cache (packages/cli/bin/load-bundle.js).
    ...(t.codeCache ? { footer: { js: `//# fitsync-build=${randomBytes(12).toString('hex')}` } } : {}),
  });
  if (t.codeCache) {
    // The bin runs the bundle through vm.Script, which has no import() callback.
    if (/\bimport\(/.test(readFileSync(`${root}/${outdir}/main.cjs`, 'utf8'))) throw new Error(`packages/${t.pkg}: import() left in the bundle`);
    const train = spawnSync(process.execPath, [`${root}/scripts/cli-code-cache.mjs`, `${root}/${outdir}`], { input: 'training-password\n', encoding: 'utf8' });
    if (train.status !== 0) throw new Error(`packages/${t.pkg}: writing the code cache failed (exit ${train.status}):\n${train.stderr}`);
    for (const line of train.stderr.split('\n')) if (line.startsWith('warning: ')) console.warn(line);
  }
  // The web app is served by the server from dist/web: built into the new dist before the swap.
  if (t.pkg === 'server') await buildWeb(root, `${root}/${outdir}/web`);
  const old = `${dist}.old-${process.pid}`;
  try {
    renameSync(dist, old);
  } catch {
    // first build: no dist/ yet
  }
  renameSync(`${root}/${outdir}`, dist);
  rmSync(old, { recursive: true, force: true });
}
