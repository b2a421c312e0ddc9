import { createHash } from 'node:crypto';
import type { CreateSyncJobBody, SyncJob, SyncJobList } from '@fitsync/api';
import type { SyncJobType, SyncType } from '@fitsync/api/codes';
import { isCalendarDate, isIdempotencyKey } from '@fitsync/api/rules';
import type { Runtime } from '@fitsync/runtime';
import type { Db, Queryable } from '../db/db.js';
import type { EventBus, ServerEvents } from '../events/event-bus.js';
import { reauthRequiredMessage } from '../errors/garmin-not-connected-error.js';
import { ApiError } from '../http/api-error.js';
import { newId, type Random } from '../random.js';
import {
  cancelIdleSyncJob,
  findActiveSyncJob,
  findByIdempotencyKey,
  findUserSyncJob,
  insertSyncJob,
  latestSyncJob,
  listSyncJobs,
  recentSyncJobStarts,
  requestCancel,
  type SyncJobRow,
} from '../repositories/sync-jobs.js';
import { findGarminConnection } from '../repositories/garmin-connections.js';
import { addDays, isoDay } from '../sync/dates.js';
import { isTimeZone, localTomorrow } from '../sync/time-zone.js';
import type { SyncGarminSource } from '../sync/garmin-source.js';
import { toSyncJob } from '../sync/job-view.js';
import { emptyCounts } from '../sync/kind-counts.js';
import { KIND_NAMES } from '../sync/kinds/index.js';
import { publishJob } from '../sync/publish-job.js';
import { decodeKeyset, keysetPage } from './keyset-cursor.js';

export interface SyncJobServiceDeps {
  db: Db;
  runtime: Runtime;
  /** Ids come from crypto randomness, not Runtime.random (which is for jitter, and seeded in tests). */
  random: Random;
  /** Every job change is published here (create, cancel). */
  events: EventBus;
  garmin: SyncGarminSource;
  /** Jobs a user may create per rolling hour (FITSYNC_SYNC_MAX_JOBS_PER_HOUR); 0 = no limit. */
  maxJobsPerHour?: number;
  /** Called after a job was created, so idle in-process workers start it at once. */
  onCreated?: () => void;
}

const HOUR_MS = 3_600_000;
/** The earliest date a window may name: Garmin Connect holds nothing older (and 1950 meant 28,000 days of calls). */
export const EARLIEST_SYNC_DATE = '2000-01-01';
/**
 * The latest date a window may name: tomorrow in the account's zone (the kinds stop at its
 * today). Before the zone is learned (the first job learns it), the most generous real zone is
 * assumed (UTC+14, Kiribati): the date of now+14 h, plus one day.
 */
export function latestSyncDate(nowMs: number, zone: string | null = null): string {
  return isTimeZone(zone) ? localTomorrow(nowMs, { zone }) : addDays(isoDay(nowMs + 14 * HOUR_MS), 1);
}

/** The job id a list cursor carries (only its length is checked; the query treats it as data). */
const JOB_ID = /^[\s\S]{0,64}$/;

function notFound(): ApiError {
  return new ApiError(404, 'not_found', 'No such sync job.');
}

/** Starting, reading and cancelling sync jobs (the rules behind /v1/sync/jobs). */
export class SyncJobService {
  constructor(private readonly d: SyncJobServiceDeps) {}

  /**
   * Creates a pending job. Same Idempotency-Key and same body → the job created first (even if it
   * has ended); same key, other body → 422 idempotency_key_reused; an active job → 409
   * sync_in_progress with its id; no usable Garmin connection → 409 garmin_not_connected.
   */
  async create(userId: string, body: CreateSyncJobBody, idempotencyKey: string | undefined): Promise<SyncJob> {
    const since = body.since ?? null;
    const until = body.until ?? null;
    const full = body.full === true;
    const zone = since !== null || until !== null ? ((await findGarminConnection(this.d.db, userId))?.time_zone ?? null) : null;
    for (const [name, v] of [
      ['since', since],
      ['until', until],
    ] as const) {
      if (v !== null && !isCalendarDate(v)) {
        throw validation(`${name} is not a real date (YYYY-MM-DD).`, `body/${name}`);
      }
      const latest = latestSyncDate(this.d.runtime.now(), zone);
      if (v !== null && (v < EARLIEST_SYNC_DATE || v > latest)) {
        throw validation(`${name} must be between ${EARLIEST_SYNC_DATE} and ${latest}.`, `body/${name}`);
      }
    }
    if (since && until && since > until) throw validation('since must not be after until.', 'body/since');
    if (full && (since || until)) throw validation('full and since/until exclude each other.', 'body/full');
    if (idempotencyKey !== undefined && !isIdempotencyKey(idempotencyKey)) {
      throw validation('Idempotency-Key must be 1-200 visible ASCII characters.', 'headers/idempotency-key');
    }
    const requestHash = createHash('sha256')
      .update(JSON.stringify({ sync_type: body.sync_type, since, until, full }))
      .digest('hex');

    const replay = async (): Promise<SyncJob | null> => {
      if (idempotencyKey === undefined) return null;
      const prior = await findByIdempotencyKey(this.d.db, userId, idempotencyKey);
      if (!prior) return null;
      if (prior.request_hash !== requestHash) {
        throw new ApiError(422, 'idempotency_key_reused', 'This Idempotency-Key was already used with a different request.');
      }
      return toSyncJob(prior);
    };
    const busy = async (): Promise<SyncJob | null> => {
      const active = await findActiveSyncJob(this.d.db, userId);
      if (!active) return null;
      // A concurrent retry of this very request created it meanwhile: answer as a replay.
      if (idempotencyKey !== undefined && active.idempotency_key === idempotencyKey) {
        if (active.request_hash === requestHash) return toSyncJob(active);
        throw new ApiError(422, 'idempotency_key_reused', 'This Idempotency-Key was already used with a different request.');
      }
      throw new ApiError(409, 'sync_in_progress', `A sync is already running (job ${active.job_id}).`, { job_id: active.job_id });
    };

    const again = await replay();
    if (again) return again;
    const conn = await this.d.garmin.status(userId);
    if (conn.status !== 'connected') {
      throw new ApiError(
        409,
        'garmin_not_connected',
        conn.status === 'reauth_required'
          ? reauthRequiredMessage(conn.reauth_required_at === null ? null : Date.parse(conn.reauth_required_at))
          : 'No Garmin account is connected; run `fitsync garmin connect`.',
      );
    }
    const active = await busy();
    if (active) return active;
    await this.checkJobBudget(userId);
    const jobId = newId(this.d.random);
    let row: SyncJobRow;
    try {
      row = await insertSyncJob(this.d.db, {
        jobId,
        userId,
        syncType: body.sync_type,
        since,
        until,
        full,
        countsJson: JSON.stringify(emptyCounts(KIND_NAMES)),
        now: this.d.runtime.now(),
        idempotencyKey: idempotencyKey ?? null,
        requestHash: idempotencyKey === undefined ? null : requestHash,
        trigger: 'manual',
      });
    } catch (err) {
      // A concurrent request won a unique index (same key, or another active job): answer as it would.
      if (!isUniqueViolation(err)) throw err;
      const raced = await replay();
      if (raced) return raced;
      const other = await busy();
      if (other) return other;
      throw err;
    }
    this.announce(row);
    return toSyncJob(row);
  }

  /**
   * Inserts a scheduled run's job in the caller's transaction (the scheduler's, which also moves
   * the schedule on, so a crash can neither lose nor double the run): trigger `schedule`, an
   * incremental sync, no Idempotency-Key, and not counted against FITSYNC_SYNC_MAX_JOBS_PER_HOUR
   * (the schedule's minimum interval bounds it). The caller checked that no job is active; a job
   * created meanwhile makes the insert throw a unique violation. `announce` it once committed.
   */
  async insertScheduled(tx: Queryable, userId: string, syncType: SyncType): Promise<SyncJobRow> {
    return this.insertUnasked(tx, userId, syncType, 'schedule');
  }

  /**
   * Inserts the job of an uploaded import in the caller's transaction (the one that marks the
   * import started, so the import and its job cannot part): sync_type and trigger `import`, no
   * window, no Idempotency-Key (the import itself is the key), not counted against
   * FITSYNC_SYNC_MAX_JOBS_PER_HOUR. An active job of the user makes the insert throw a unique
   * violation. `announce` it once committed.
   */
  async insertImport(tx: Queryable, userId: string): Promise<SyncJobRow> {
    return this.insertUnasked(tx, userId, 'import', 'import');
  }

  /** A job nobody sent a request body for (schedule, import): the whole history, no key. */
  private insertUnasked(tx: Queryable, userId: string, syncType: SyncJobType, trigger: 'schedule' | 'import'): Promise<SyncJobRow> {
    return insertSyncJob(tx, {
      jobId: newId(this.d.random),
      userId,
      syncType,
      since: null,
      until: null,
      full: false,
      countsJson: JSON.stringify(emptyCounts(KIND_NAMES)),
      now: this.d.runtime.now(),
      idempotencyKey: null,
      requestHash: null,
      trigger,
    });
  }

  /** Publishes a new job and wakes this process's idle workers. */
  announce(row: SyncJobRow): void {
    publishJob(this.d.events, row);
    this.d.onCreated?.();
  }

  /**
   * 429 rate_limited (with Retry-After) when the user created maxJobsPerHour jobs in the last
   * hour. The jobs table is the count, so the limit holds across instances; a replayed
   * Idempotency-Key never gets here, so replays do not count. Two racing creates cannot both slip
   * through: the one-active-job index lets only one of them insert.
   */
  private async checkJobBudget(userId: string): Promise<void> {
    const max = this.d.maxJobsPerHour ?? 0;
    if (max <= 0) return;
    const now = this.d.runtime.now();
    const recent = await recentSyncJobStarts(this.d.db, userId, now - HOUR_MS, max);
    if (recent.length < max) return;
    // The window frees a slot when the max-th newest job leaves it.
    const s = Math.max(1, Math.ceil((recent[max - 1]! + HOUR_MS - now) / 1000));
    throw new ApiError(
      429,
      'rate_limited',
      `At most ${max} sync jobs per hour; try again in ${s} s.`,
      { retry_after: s },
      { 'retry-after': String(s) },
    );
  }

  async get(userId: string, jobId: string): Promise<SyncJob> {
    return (await this.snapshot(userId, jobId)).job;
  }

  /** The job with the row version it was read at (what event streams send); 404 when not the user's. */
  async snapshot(userId: string, jobId: string): Promise<ServerEvents['sync-job']> {
    const row = await findUserSyncJob(this.d.db, userId, jobId);
    if (!row) throw notFound();
    return { version: Number(row.version), job: toSyncJob(row) };
  }

  async latest(userId: string): Promise<SyncJob> {
    const row = await latestSyncJob(this.d.db, userId);
    if (!row) throw new ApiError(404, 'not_found', 'No sync job yet.');
    return toSyncJob(row);
  }

  async list(userId: string, q: { status?: string; limit?: number; cursor?: string }): Promise<SyncJobList> {
    const limit = q.limit ?? 20;
    const at = q.cursor === undefined ? undefined : decodeKeyset(q.cursor, JOB_ID);
    const before = at && { createdAt: at.at, jobId: at.id };
    const rows = await listSyncJobs(this.d.db, userId, { status: q.status, limit: limit + 1, before });
    const { page, next } = keysetPage(rows, limit, (r) => ({ at: Number(r.created_at), id: r.job_id }));
    return { jobs: page.map(toSyncJob), next_cursor: next };
  }

  /**
   * Cancels a job: a pending one (or one whose worker died) at once; a running one is flagged and
   * its worker stops within 2 s (its heartbeat reads the flag every 0.5 s). 409 job_finished when
   * it already ended.
   */
  async cancel(userId: string, jobId: string): Promise<SyncJob> {
    const row = await findUserSyncJob(this.d.db, userId, jobId);
    if (!row) throw notFound();
    if (!['pending', 'running'].includes(row.status)) throw finished(row);
    const changed = (await cancelIdleSyncJob(this.d.db, jobId, this.d.runtime.now())) ?? (await requestCancel(this.d.db, jobId));
    if (changed) publishJob(this.d.events, changed);
    const now = changed ?? (await findUserSyncJob(this.d.db, userId, jobId));
    if (now && ['completed', 'failed'].includes(now.status)) throw finished(now);
    return toSyncJob(now!);
  }
}

function finished(row: SyncJobRow): ApiError {
  return new ApiError(409, 'job_finished', `The job already ended (${row.status}).`, { job_id: row.job_id });
}

function validation(message: string, path: string): ApiError {
  return new ApiError(400, 'validation_error', message, { errors: [{ path, message }] });
}

/** A unique-constraint violation on either engine. */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
