import { FitDecodePool } from '../activities/decode-pool.js';
import type { Config } from '../config.js';
import { rebuildUser } from '../rebuild/rebuilders.js';
import { findUserByName, listUsers } from '../repositories/users.js';
import { openBlobStore } from '../blobs/open-blob-store.js';
import { UserAdminError } from '../services/user-admin.js';
import type { CliIo } from './io.js';
import { openStores } from './open-stores.js';

/**
 * `rebuild [--user NAME]`: re-derives every user's (or one user's) typed rows from the stored raw
 * answers and FIT files, without a Garmin call. One line per user: `ann: health 120 days (0 new, 2 updated, 118 unchanged)`.
 */
export async function runRebuild(config: Config, io: CliIo, username: string | undefined, now: () => number = Date.now): Promise<number> {
  const db = await openStores(config);
  const fitStore = openBlobStore(config.blobs.store, { db, dataDir: config.dataDir }).fit;
  const decoder = new FitDecodePool(config.sync.decodeThreads, (err) =>
    io.stderr.write(`warning: a FIT decode thread died (its file is stored with a decode_error): ${err instanceof Error ? err.message : String(err)}\n`),
  );
  try {
    let users: { id: string; username: string }[];
    if (username !== undefined) {
      const u = await findUserByName(db, username);
      if (!u) throw new UserAdminError(`no user named ${username}`, 4);
      users = [u];
    } else {
      users = await listUsers(db);
    }
    for (const u of users) {
      const parts = (await rebuildUser({ db, fitStore, decoder }, u.id, now())).map(
        ({ rebuilder: r, counts: c }) =>
          `${r.name} ${c.new + c.updated + c.unchanged} ${r.unit} (${c.new} new, ${c.updated} updated, ${c.unchanged} unchanged)`,
      );
      io.stdout.write(`${u.username}: ${parts.join('; ')}\n`);
    }
    return 0;
  } finally {
    await decoder.close();
    await db.close();
  }
}
