// Builds the browser app (packages/web) into a folder the server serves as its web dir:
// index.html, favicon.svg, hashed assets/ (code-split ESM, one stylesheet), and a .gz and a .br
// beside every text file so the server never compresses at run time (docs/web.md).
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const NODE_BUILTINS = new Set(builtinModules);

/** Fails the build on any import of a Node module: the browser has none, and a polyfill would bloat the bundle. */
const noNodeModules = {
  name: 'no-node-modules',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      const name = args.path.replace(/^node:/, '');
      if (args.path.startsWith('node:') || NODE_BUILTINS.has(name) || NODE_BUILTINS.has(name.split('/')[0])) {
        return { errors: [{ text: `the browser bundle imports the Node module "${args.path}" (from ${args.importer})` }] };
      }
      return undefined;
    });
  },
};

/** The app's page: one module script, one stylesheet, nothing inline (the CSP forbids it). */
export function indexHtml(js, css) {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>FitSync</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/${css}">
<script type="module" src="/${js}"></script>
</head>
<body>
<div id="app"></div>
<noscript><p>FitSync's web app needs JavaScript. The command line (<code>fitsync</code>) works without it.</p></noscript>
</body>
</html>
`;
}

/** Builds packages/web into `outdir` (created). Returns the entry script and stylesheet paths. */
export async function buildWeb(root, outdir) {
  const web = join(root, 'packages/web');
  mkdirSync(outdir, { recursive: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: { main: join(web, 'src/main.tsx') },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2020', 'chrome90', 'firefox90', 'safari15'],
    minify: true,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    entryNames: 'assets/[name]-[hash]',
    chunkNames: 'assets/[name]-[hash]',
    assetNames: 'assets/[name]-[hash]',
    metafile: true,
    legalComments: 'none',
    define: { 'process.env.NODE_ENV': '"production"' },
    plugins: [noNodeModules],
    logLevel: 'warning',
  });
  const outputs = Object.entries(result.metafile.outputs);
  const entry = outputs.find(([, o]) => o.entryPoint?.endsWith('packages/web/src/main.tsx'));
  if (!entry) throw new Error('packages/web: the entry script is missing from the build');
  const js = relative(outdir, join(root, entry[0]));
  const css = entry[1].cssBundle ? relative(outdir, join(root, entry[1].cssBundle)) : null;
  if (!css) throw new Error('packages/web: the stylesheet is missing from the build');
  writeFileSync(join(outdir, 'index.html'), indexHtml(js, css));
  copyFileSync(join(web, 'public/favicon.svg'), join(outdir, 'favicon.svg'));
  compressAll(outdir);
  return { js, css };
}

/** Writes `.gz` (level 9) and `.br` (quality 11) beside every text file under `dir`. */
function compressAll(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      compressAll(p);
      continue;
    }
    if (!/\.(js|css|svg|html)$/.test(name)) continue;
    const data = readFileSync(p);
    writeFileSync(`${p}.gz`, gzipSync(data, { level: 9 }));
    writeFileSync(
      `${p}.br`,
      brotliCompressSync(data, {
        params: {
          [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
          [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
          [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
        },
      }),
    );
  }
}
