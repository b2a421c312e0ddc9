import type { Log } from '../log.js';
import { decodeStoredFits, type DecodeStores } from './decode-stored.js';

/**
 * Decodes, in the background, the FIT files an import stored: an import keeps the original files
 * and their rows (that is what it must not lose) and leaves the decode (laps, records: derived,
 * rebuildable data) to this, so ten years of history import at the speed of reading the archive.
 * One user at a time, after each import job and, at start, for users with files still undecoded
 * (a crash or restart loses nothing). An activity read before its turn is decoded on the spot by
 * ActivityStore. Several instances may decode the same file: the upsert makes that harmless.
 */
export class DecodeBacklog {
  private readonly waiting = new Set<string>();
  private running: Promise<void> | null = null;
  private readonly stop$ = new AbortController();

  constructor(private readonly d: DecodeStores & { log?: Log }) {}

  /** Decodes the user's undecoded files soon (after the users already waiting). */
  request(userId: string): void {
    if (this.stop$.signal.aborted) return;
    this.waiting.add(userId);
    this.running ??= this.drain().finally(() => {
      this.running = null;
    });
  }

  /** Queues every user with a stored FIT file that has no decoded data (called at start). */
  async requestPending(): Promise<void> {
    const rows = await this.d.db.all<{ user_id: string }>(
      `SELECT DISTINCT a.user_id FROM activities a
       LEFT JOIN activity_decoded d ON d.user_id = a.user_id AND d.activity_id = a.activity_id
       WHERE a.fit_sha256 IS NOT NULL AND d.activity_id IS NULL`,
    );
    for (const r of rows) this.request(r.user_id);
  }

  /** Resolves once nothing is waiting or being decoded (tests, benchmarks). */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Stops after the batch being decoded; what is left is picked up at the next start. */
  async stop(): Promise<void> {
    this.stop$.abort('shutdown');
    this.waiting.clear();
    await this.running?.catch(() => {});
  }

  private async drain(): Promise<void> {
    // Users requested while one is decoded join the set and are taken in turn.
    for (const userId of this.waiting) {
      this.waiting.delete(userId);
      try {
        const c = await decodeStoredFits(this.d, userId, this.stop$.signal);
        if (c.new + c.updated > 0) this.d.log?.info({ userId, decoded: c.new + c.updated }, 'stored FIT files decoded in the background');
      } catch (err) {
        if (this.stop$.signal.aborted) return;
        this.d.log?.error({ userId, errType: (err as Error)?.name }, 'background decode of stored FIT files failed; it is retried at the next start');
      }
    }
  }
}
