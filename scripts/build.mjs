// Bundles each runnable entry point with esbuild. In the CLI, heavy, rarely
// used modules (QR codes, the progress bar) are import()ed, so they are only
// evaluated when a command needs them: start-up time is part of the product contract.
import { build } from 'esbuild';
import { renameSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

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
  // qrcode are only evaluated when the chosen command needs them.
  { pkg: 'cli', entry: 'src/main.ts', splitting: false, external: [], minify: true, format: 'cjs' },
  { pkg: 'server', entry: 'src/main.ts', splitting: true, external: ['better-sqlite3', 'pg', 'pg-native', '@node-rs/argon2'] },
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
    entryPoints: [`packages/${t.pkg}/${t.entry}`],
    outdir,
    splitting: t.splitting,
    chunkNames: 'chunks/[name]-[hash]',
    external: t.external,
    ...(t.minify ? { minify: true } : {}),
    // CommonJS output has a real require() and no import.meta: no banner; .cjs because the package is "type": "module".
    ...(t.format === 'cjs' ? { format: 'cjs', banner: {}, outExtension: { '.js': '.cjs' } } : {}),
  });
  const old = `${dist}.old-${process.pid}`;
  try {
    renameSync(dist, old);
  } catch {
    // first build: no dist/ yet
  }
  renameSync(`${root}/${outdir}`, dist);
  rmSync(old, { recursive: true, force: true });
}
