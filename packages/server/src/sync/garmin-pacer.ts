import type { Runtime } from '@fitsync/runtime';
import { abortable, throwIfStopped } from './abortable.js';
import { gapOf, type PaceBook, type PaceLane } from './pace-book.js';

/** When a job's next Garmin call may start (see GarminPacer). */
export interface UpstreamPace {
  /** Resolves when the call may start; rejects with SyncAborted when `signal` fires first. */
  wait(signal: AbortSignal): Promise<void>;
}

export interface GarminPacerDeps {
  book: PaceBook;
  /** Clock and sleep (FakeRuntime in tests); its `now` is what the book schedules in. */
  runtime: Runtime;
  /** Calls started per second per Garmin account (FITSYNC_GARMIN_RPS; 0 = no limit). */
  accountRps: number;
  /** Calls started per second by the whole deployment (FITSYNC_GARMIN_DEPLOYMENT_RPS; 0 = no cap). */
  deploymentRps: number;
}

const DEPLOYMENT_KEY = 'deployment';

/**
 * Garmin politeness per Garmin account and per deployment (product.md Part 2 §F; issue 13: Garmin
 * may throttle by address, so all users of one server share a cap). Every Garmin call of a sync
 * starts at a start booked in the PaceBook (in PostgreSQL across instances, in memory on SQLite).
 *
 * In this process the calls of one account book one at a time, first come first served (the jobs
 * and the parallel calls of one account take turns): the book is asked once per call, not once per
 * waiting call, and no call books a start it must then wait for behind its own account. Nothing
 * is asked when both limits are off.
 */
export class GarminPacer {
  private readonly accountGap: number;
  private readonly deploymentLane: PaceLane | null;
  /** Per account key: whether one call is booking now, and who waits for the turn (FIFO). */
  private readonly turns = new Map<string, (() => void)[]>();

  constructor(private readonly d: GarminPacerDeps) {
    this.accountGap = gapOf(d.accountRps);
    const dg = gapOf(d.deploymentRps);
    this.deploymentLane = dg > 0 ? { key: DEPLOYMENT_KEY, gapMs: dg } : null;
  }

  /** The pace of one Garmin account's calls (`key`: a stable, non-secret account identity). */
  account(key: string): UpstreamPace {
    const lane = this.accountGap > 0 ? { key: `account:${key}`, gapMs: this.accountGap } : null;
    if (!lane && !this.deploymentLane) return { wait: async (signal) => throwIfStopped(signal) };
    return { wait: (signal) => this.wait(lane, signal) };
  }

  private async wait(account: PaceLane | null, signal: AbortSignal): Promise<void> {
    const { runtime, book } = this.d;
    const turnKey = account?.key ?? DEPLOYMENT_KEY;
    await this.takeTurn(turnKey, signal);
    let holding = true;
    try {
      for (;;) {
        const booking = await abortable(book.book(runtime.now(), account, this.deploymentLane), signal);
        if ('start' in booking) {
          // Booked: the next call of the account may book its own start while this one waits.
          holding = false;
          this.passTurn(turnKey);
          const ms = booking.start - runtime.now();
          if (ms > 0) await abortable(runtime.sleep(ms, signal), signal);
          return;
        }
        const ms = booking.retryAt - runtime.now();
        await abortable(runtime.sleep(Math.max(1, ms), signal), signal);
      }
    } finally {
      if (holding) this.passTurn(turnKey);
    }
  }

  private async takeTurn(key: string, signal: AbortSignal): Promise<void> {
    throwIfStopped(signal);
    const queue = this.turns.get(key);
    if (!queue) {
      this.turns.set(key, []);
      return;
    }
    let granted!: () => void;
    const turn = new Promise<void>((resolve) => {
      granted = resolve;
    });
    queue.push(granted);
    try {
      await abortable(turn, signal);
    } catch (err) {
      const i = queue.indexOf(granted);
      if (i >= 0) queue.splice(i, 1);
      // Granted just as the stop came: the turn passes on.
      else this.passTurn(key);
      throw err;
    }
  }

  private passTurn(key: string): void {
    const queue = this.turns.get(key);
    const next = queue?.shift();
    if (next) next();
    else this.turns.delete(key);
  }
}
