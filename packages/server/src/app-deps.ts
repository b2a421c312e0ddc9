import type { DecodeBacklog } from './activities/decode-backlog.js';
import type { Runtime } from '@fitsync/runtime';
import type { onRequestHookHandler } from 'fastify';
import type { Config } from './config.js';
import type { PasswordHasher } from './crypto/password-hasher.js';
import type { SecretBox } from './crypto/secret-box.js';
import type { Db } from './db/db.js';
import type { EventBus } from './events/event-bus.js';
import type { SyncWorkerPool } from './jobs/sync-worker-pool.js';
import type { AuthMetrics, Metrics } from './metrics.js';
import type { Random } from './random.js';
import type { AuthService } from './services/auth-service.js';
import type { GarminConnectionService } from './services/garmin-connection-service.js';
import type { GarminTokenKeeper } from './services/garmin-token-keeper.js';
import type { MfaService } from './services/mfa-service.js';
import type { ThrottleService } from './services/throttle-service.js';
import type { AuthContext, TokenService } from './services/token-service.js';
import type { WebSessions } from './web/web-sessions.js';
import type { FitDecodePool } from './activities/decode-pool.js';
import type { BlobStore } from './blobs/blob-store.js';
import type { BlobCollector } from './blobs/blob-collector.js';
import type { SyncJobService } from './services/sync-job-service.js';
import type { ImportService } from './imports/import-service.js';
import type { SyncScheduleService } from './services/sync-schedule-service.js';
import type { SyncScheduler } from './schedule/sync-scheduler.js';
import type { DataService } from './services/data-service.js';
import type { Purger } from './retention/purger.js';
import type { ActivityReader } from './activities/activity-reader.js';

/**
 * Everything routes and later plugins (Garmin linking, sync engine) need, built once in buildApp
 * and reachable as `app.deps` from every plugin. Add new services here rather than as globals.
 */
export interface AppDeps {
  config: Config;
  db: Db;
  /** Time: the clock and sleeps of leases, heartbeats, polling, pacing and token expiry (FakeRuntime in tests). */
  runtime: Runtime;
  /** Crypto randomness for ids and secrets; deliberately not Runtime.random (seedable, for jitter only). */
  random: Random;
  hasher: PasswordHasher;
  /** AES-256-GCM under the server key, for secrets at rest (TOTP secrets, Garmin tokens). */
  secretBox: SecretBox;
  /** The Prometheus registry; add counters with `metrics.counter(name, help)`. */
  metrics: Metrics;
  authMetrics: AuthMetrics;
  tokens: TokenService;
  /** Browser sessions: the session cookie, its CSRF token, sign-out (src/web/). */
  webSessions: WebSessions;
  throttle: ThrottleService;
  mfa: MfaService;
  auth: AuthService;
  /** Garmin account linking; the sync engine gets its Garmin client from `garmin.apiFor(userId)`. */
  garmin: GarminConnectionService;
  /** FIT files and import uploads: the data dir or the database (FITSYNC_BLOB_STORE). */
  blobs: BlobStore;
  /** Collects orphaned blobs; its loop runs under `fitsync-server start`, tests call `runOnce()`. */
  blobCollector: BlobCollector;
  /** FIT decode worker threads (FITSYNC_DECODE_THREADS), used by syncs; ended on close. */
  decoder: FitDecodePool;
  /** Decodes the FIT files imports stored, after their job (and, under `start`, those left by a restart). */
  decodeBacklog: DecodeBacklog;
  /** Pushed events (job changes, session revocations): in-process, or across instances on PostgreSQL. */
  events: EventBus;
  /** Reading the synced data. */
  data: DataService;
  /** Decoded activities (detail, records; exports read through it). */
  activities: ActivityReader;
  /** Starting, reading and cancelling sync jobs. */
  syncJobs: SyncJobService;
  /** Uploads of Garmin's export (`/v1/imports`) and the creation of their jobs. */
  imports: ImportService;
  /** This process's sync workers; `runOnce()` drains one job (tests run with FITSYNC_WORKERS=0). */
  syncWorkers: SyncWorkerPool;
  /** Users' automatic syncs (/v1/sync/schedule). */
  schedules: SyncScheduleService;
  /**
   * Starts the jobs of due schedules. Its loop runs under `fitsync-server start` only; tests call
   * `runOnce()` on their own clock.
   */
  scheduler: SyncScheduler;
  /** Refreshes idle Garmin connections' tokens; `runOnce()` does one round (test servers run it by hand). */
  garminKeeper: GarminTokenKeeper;
  /** Retention: purges expired and old rows every FITSYNC_PURGE_EVERY (started by `fitsync-server start`). */
  purger: Purger;
}

declare module 'fastify' {
  interface FastifyInstance {
    deps: AppDeps;
    /**
     * onRequest hook: 401 invalid_token unless a valid bearer token, or without an Authorization
     * header a live session cookie, is presented (cookie state changes need X-CSRF-Token: 403
     * csrf_failed); sets `request.auth`.
     */
    requireAuth: onRequestHookHandler;
  }
  interface FastifyRequest {
    /** Set by `requireAuth`; null on unauthenticated routes. */
    auth: AuthContext | null;
  }
}

/** The authenticated caller of a route guarded by `requireAuth`. */
export function authOf(request: { auth: AuthContext | null }): AuthContext {
  if (!request.auth) throw new Error('route is missing the requireAuth hook');
  return request.auth;
}
