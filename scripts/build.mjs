// Bundles each runnable entry point with esbuild. The CLI is split so that
// heavy, rarely used modules (QR codes, the progress bar) load only when a
// command needs them: start-up time is part of the product contract.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
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
  // The CLI is minified: less to parse on every start (benchmarked by scripts/bench.mjs).
  { pkg: 'cli', entry: 'src/main.ts', splitting: true, external: [], minify: true },
  { pkg: 'server', entry: 'src/main.ts', splitting: true, external: ['better-sqlite3', 'pg', 'pg-native', '@node-rs/argon2'] },
  { pkg: 'garmin-sim', entry: 'src/main.ts', splitting: false, external: [] },
];

for (const t of targets) {
  const outdir = `packages/${t.pkg}/dist`;
  rmSync(`${root}/${outdir}`, { recursive: true, force: true });
  await build({
    ...common,
    entryPoints: [`packages/${t.pkg}/${t.entry}`],
    outdir,
    splitting: t.splitting,
    chunkNames: 'chunks/[name]-[hash]',
    external: t.external,
    ...(t.minify ? { minify: true } : {}),
  });
}
