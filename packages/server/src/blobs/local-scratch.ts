import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Queryable } from '../db/db.js';
import { importsDir } from '../imports/import-files.js';
import { liveUploads } from './blob-refs.js';

/**
 * Removes this instance's local scratch a crash left under `<dataDir>/imports/`, whichever blob
 * store is configured: scratch files of one-request uploads (`whole-*.part`) and the scratch dirs
 * of import jobs that are no longer live (`<id>.tmp/`), untouched since the cutoff. Returns how many.
 */
export async function collectLocalScratch(q: Queryable, dataDir: string, cutoffMs: number): Promise<number> {
  const dir = importsDir(dataDir);
  let removed = 0;
  const scratch: { id: string; path: string }[] = [];
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const path = join(dir, name);
    const st = await stat(path).catch(() => null);
    if (!st || st.mtimeMs >= cutoffMs) continue;
    const m = /^([A-Za-z0-9_-]{1,64})\.tmp$/.exec(name);
    if (/^whole-.*\.part$/.test(name)) {
      await rm(path, { force: true });
      removed++;
    } else if (m) {
      scratch.push({ id: m[1]!, path });
    }
  }
  const live = await liveUploads(
    q,
    scratch.map((s) => s.id),
  );
  for (const s of scratch) {
    if (live.has(s.id)) continue;
    await rm(s.path, { recursive: true, force: true });
    removed++;
  }
  return removed;
}
