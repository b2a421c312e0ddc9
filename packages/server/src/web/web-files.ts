import { createHash } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';

/** One file of the web app, held in memory with its precompressed forms. */
export interface WebFile {
  body: Buffer;
  br: Buffer | null;
  gz: Buffer | null;
  type: string;
  /** Strong ETag of the identity body; the compressed forms add `-br` / `-gz` (a different representation). */
  etag: string;
  html: boolean;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
};

/** A file or folder name we serve: no dot files, nothing that could climb out of the web dir. */
export const SAFE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

/**
 * Reads the built web app (docs/web.md: index.html, top-level files such as favicon.svg, and
 * assets/ with a .br and .gz beside each text asset) into memory: it is small, and nothing is
 * looked up on disk per request, so no request path ever reaches the file system. Only regular
 * files with safe names are taken (no symlinks, no dot files). Keys are relative paths
 * (`index.html`, `assets/app-1a2b.js`). Undefined when the dir has no index.html (not built).
 */
export async function loadWebFiles(dir: string): Promise<Map<string, WebFile> | undefined> {
  const top = await readdir(dir, { withFileTypes: true }).catch(() => undefined);
  if (!top?.some((e) => e.name === 'index.html' && e.isFile())) return undefined;
  const files = new Map<string, WebFile>();
  const walk = async (rel: string, entries: Dirent[]) => {
    const names = new Set(entries.filter((e) => e.isFile()).map((e) => e.name));
    for (const e of entries) {
      if (!SAFE_NAME.test(e.name)) continue;
      const path = rel === '' ? e.name : `${rel}/${e.name}`;
      // Only assets/ has subfolders worth serving (a build may nest chunks there).
      if (e.isDirectory() && (rel !== '' || e.name === 'assets')) {
        await walk(path, await readdir(join(dir, path), { withFileTypes: true }));
        continue;
      }
      if (!e.isFile() || e.name.endsWith('.br') || e.name.endsWith('.gz')) continue;
      const full = join(dir, path);
      const body = await readFile(full);
      files.set(path, {
        body,
        br: names.has(`${e.name}.br`) ? await readFile(`${full}.br`) : null,
        gz: names.has(`${e.name}.gz`) ? await readFile(`${full}.gz`) : null,
        type: TYPES[extname(e.name).toLowerCase()] ?? 'application/octet-stream',
        etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
        html: extname(e.name).toLowerCase() === '.html',
      });
    }
  };
  await walk('', top);
  return files;
}
