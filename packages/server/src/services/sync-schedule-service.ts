import type { PutSyncScheduleBody, SyncSchedule } from '@fitsync/api';
import { formatDuration } from '@fitsync/api/rules';
import type { Runtime } from '@fitsync/runtime';
import type { ScheduleConfig } from '../config.js';
import type { Db } from '../db/db.js';
import { ApiError } from '../http/api-error.js';
import {
  disableSyncSchedule,
  findSyncSchedule,
  insertSyncScheduleIfAbsent,
  putSyncSchedule,
  type SyncScheduleRow,
} from '../repositories/sync-schedules.js';
import { nextDueAt } from '../schedule/slots.js';
import type { Log } from '../log.js';

export interface SyncScheduleServiceDeps {
  db: Db;
  /** The clock, and Runtime.random for the jitter of due times. */
  runtime: Runtime;
  config: ScheduleConfig;
  /** Called after a schedule changed, so this process's scheduler looks at the new due time. */
  onChanged?: () => void;
  log?: Pick<Log, 'info'>;
}

/** What GET answers for a user who never had a schedule. */
const NEVER: SyncSchedule = { every_s: null, sync_type: 'all', enabled: false, next_run_at: null, last_run_at: null, last_job_id: null };

/**
 * A user's automatic sync (the rules behind /v1/sync/schedule). A schedule may be set while no
 * Garmin account is linked: its runs are skipped until one is (the scheduler checks at each due
 * time), so linking later needs no second step.
 */
export class SyncScheduleService {
  constructor(private readonly d: SyncScheduleServiceDeps) {}

  async get(userId: string): Promise<SyncSchedule> {
    const row = await findSyncSchedule(this.d.db, userId);
    return row ? toSyncSchedule(row) : NEVER;
  }

  /**
   * Creates or replaces the schedule and enables it (unless `enabled: false`, which stores it off);
   * the first run is due one interval (plus jitter) from now.
   */
  async put(userId: string, body: PutSyncScheduleBody): Promise<SyncSchedule> {
    const min = this.d.config.minIntervalS;
    if (body.every_s < min) {
      const message = `The interval must be at least ${formatDuration(min)} (every_s ${min}), the server's minimum (FITSYNC_SCHEDULE_MIN_INTERVAL).`;
      throw new ApiError(422, 'validation_error', message, { errors: [{ path: 'body/every_s', message }] });
    }
    const now = this.d.runtime.now();
    const row = await putSyncSchedule(this.d.db, {
      userId,
      everyS: body.every_s,
      syncType: body.sync_type ?? 'all',
      nextRunAt: nextDueAt(now, body.every_s, now, this.d.runtime.random()),
      now,
    });
    if (body.enabled === false) {
      await disableSyncSchedule(this.d.db, userId, now);
      this.d.onChanged?.();
      return this.get(userId);
    }
    this.d.onChanged?.();
    return toSyncSchedule(row);
  }

  /** Turns the schedule off; its interval and run history stay. Idempotent. */
  async off(userId: string): Promise<void> {
    if (await disableSyncSchedule(this.d.db, userId, this.d.runtime.now())) this.d.onChanged?.();
  }

  /**
   * The server's default schedule (FITSYNC_DEFAULT_SYNC_EVERY) for a user who just linked Garmin,
   * unless it is `off` or the user already has a schedule row (one they turned off stays off).
   */
  async applyDefault(userId: string): Promise<void> {
    const everyS = this.d.config.defaultEveryS;
    if (everyS === null) return;
    const now = this.d.runtime.now();
    const nextRunAt = nextDueAt(now, everyS, now, this.d.runtime.random());
    if (await insertSyncScheduleIfAbsent(this.d.db, { userId, everyS, syncType: 'all', nextRunAt, now })) {
      this.d.log?.info({ userId, everyS }, 'default sync schedule set');
      this.d.onChanged?.();
    }
  }
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(Number(ms)).toISOString());

/** The API view of a schedule row. */
export function toSyncSchedule(r: SyncScheduleRow): SyncSchedule {
  return {
    every_s: Number(r.every_s),
    sync_type: r.sync_type as SyncSchedule['sync_type'],
    enabled: Number(r.enabled) === 1,
    next_run_at: iso(r.next_run_at),
    last_run_at: iso(r.last_run_at),
    last_job_id: r.last_job_id,
  };
}
