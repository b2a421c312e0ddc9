import type { Dialect, Queryable } from './db.js';

/** One schema change. `sql` statements run in order inside the migration transaction. */
export interface Migration {
  version: number;
  name: string;
  sql: readonly string[] | ((dialect: Dialect) => readonly string[]);
  /** Runs first in the same transaction; throws MigrationRefusedError when the data does not allow the change. */
  precheck?: (q: Queryable) => Promise<void>;
}

/** Existing data blocks a migration; the message says what to fix. The server refuses to start. */
export class MigrationRefusedError extends Error {
  override name = 'MigrationRefusedError';
}

// Portable types only: TEXT ids, BIGINT epoch-millisecond timestamps, INTEGER 0/1 booleans.
// Append new migrations at the end with the next version; never edit an applied one.
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'auth',
    sql: [
      `CREATE TABLE users (
        id TEXT PRIMARY KEY,
        username TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        created_at BIGINT NOT NULL
      )`,
      `CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        mfa_verified INTEGER NOT NULL,
        created_at BIGINT NOT NULL,
        revoked_at BIGINT,
        revoked_reason TEXT
      )`,
      'CREATE INDEX sessions_user_idx ON sessions(user_id)',
      `CREATE TABLE refresh_tokens (
        token_hash TEXT PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        spent_at BIGINT
      )`,
      'CREATE INDEX refresh_tokens_session_idx ON refresh_tokens(session_id)',
      `CREATE TABLE mfa_challenges (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        failed_attempts INTEGER NOT NULL DEFAULT 0,
        consumed_at BIGINT
      )`,
      `CREATE TABLE totp_credentials (
        user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
        secret_enc TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        confirmed_at BIGINT,
        last_used_step BIGINT
      )`,
      `CREATE TABLE recovery_codes (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        code_hash TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        used_at BIGINT,
        UNIQUE (user_id, code_hash)
      )`,
      `CREATE TABLE auth_throttle (
        scope_key TEXT PRIMARY KEY,
        failures INTEGER NOT NULL,
        window_start BIGINT NOT NULL,
        locked_until BIGINT NOT NULL DEFAULT 0
      )`,
    ],
  },
  {
    // Garmin account linking (services/garmin-connection-service.ts). Tokens and the parked MFA
    // sign-in are SecretBox-sealed text; token_version lets instances detect each other's refreshes.
    version: 10,
    name: 'garmin',
    sql: [
      `CREATE TABLE garmin_connections (
        user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
        status TEXT NOT NULL,
        display_name TEXT,
        tokens_enc TEXT NOT NULL,
        token_version INTEGER NOT NULL DEFAULT 1,
        connected_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      )`,
      `CREATE TABLE garmin_mfa_challenges (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        pending_enc TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        failed_attempts INTEGER NOT NULL DEFAULT 0,
        consumed_at BIGINT
      )`,
      'CREATE INDEX garmin_mfa_challenges_user_idx ON garmin_mfa_challenges(user_id)',
      `CREATE TABLE garmin_signin_cooldowns (
        user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
        until_ms BIGINT NOT NULL
      )`,
    ],
  },
  {
    // The sync engine (product.md "Sync engine"; packages/server/README.md). The job row is the queue; one
    // partial unique index enforces one active job per user on both engines.
    version: 20,
    name: 'sync',
    sql: [
      `CREATE TABLE sync_jobs (
        job_id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        status TEXT NOT NULL,
        sync_type TEXT NOT NULL,
        since_date TEXT,
        until_date TEXT,
        full_sync INTEGER NOT NULL DEFAULT 0,
        progress INTEGER NOT NULL DEFAULT 0,
        total_items INTEGER,
        processed_items INTEGER NOT NULL DEFAULT 0,
        counts_json TEXT NOT NULL,
        error_message TEXT,
        created_at BIGINT NOT NULL,
        start_time BIGINT,
        end_time BIGINT,
        version INTEGER NOT NULL DEFAULT 0,
        idempotency_key TEXT,
        request_hash TEXT,
        lease_owner TEXT,
        lease_expires_at BIGINT,
        cancel_requested INTEGER NOT NULL DEFAULT 0,
        attempts INTEGER NOT NULL DEFAULT 0,
        state_json TEXT
      )`,
      "CREATE UNIQUE INDEX sync_jobs_one_active ON sync_jobs(user_id) WHERE status IN ('pending', 'running')",
      'CREATE UNIQUE INDEX sync_jobs_idempotency ON sync_jobs(user_id, idempotency_key)',
      'CREATE INDEX sync_jobs_user_created ON sync_jobs(user_id, created_at, job_id)',
      'CREATE INDEX sync_jobs_claim ON sync_jobs(status, created_at)',
      `CREATE TABLE sync_cursors (
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        cursor_key TEXT NOT NULL,
        cursor_value TEXT NOT NULL,
        updated_at BIGINT NOT NULL,
        PRIMARY KEY (user_id, cursor_key)
      )`,
      `CREATE TABLE activities (
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        activity_id TEXT NOT NULL,
        name TEXT,
        activity_type TEXT,
        start_time TEXT NOT NULL,
        start_ms BIGINT NOT NULL,
        duration_s DOUBLE PRECISION,
        distance_m DOUBLE PRECISION,
        calories DOUBLE PRECISION,
        avg_hr DOUBLE PRECISION,
        fit_sha256 TEXT,
        fit_size BIGINT,
        summary_hash TEXT NOT NULL,
        summary_json TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        PRIMARY KEY (user_id, activity_id)
      )`,
      'CREATE INDEX activities_user_start ON activities(user_id, start_ms, activity_id)',
      `CREATE TABLE health_days (
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        day TEXT NOT NULL,
        steps DOUBLE PRECISION,
        distance_m DOUBLE PRECISION,
        calories DOUBLE PRECISION,
        resting_hr DOUBLE PRECISION,
        avg_stress DOUBLE PRECISION,
        body_battery_high DOUBLE PRECISION,
        body_battery_low DOUBLE PRECISION,
        sleep_s DOUBLE PRECISION,
        weight_g DOUBLE PRECISION,
        updated_at BIGINT NOT NULL,
        PRIMARY KEY (user_id, day)
      )`,
      `CREATE TABLE workouts (
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        workout_id TEXT NOT NULL,
        name TEXT,
        sport TEXT,
        garmin_updated_at TEXT,
        summary_json TEXT NOT NULL,
        updated_at BIGINT NOT NULL,
        PRIMARY KEY (user_id, workout_id)
      )`,
    ],
  },
  {
    // Attempts reserved but not yet judged (services/throttle-service.ts), so a success forgets the
    // failures before it without freeing the reservations of attempts still being checked.
    version: 21,
    name: 'auth_throttle_pending',
    sql: ['ALTER TABLE auth_throttle ADD COLUMN pending INTEGER NOT NULL DEFAULT 0'],
  },
  {
    // Names differing only in case were separate accounts sharing one throttle key
    // (`pw:<lowercased name>`). Sign-in looks names up by lower(username) from now on.
    version: 25,
    name: 'users-username-nocase',
    precheck: async (q) => {
      const rows = await q.all<{ username: string }>(
        `SELECT username FROM users WHERE lower(username) IN
           (SELECT lower(username) FROM users GROUP BY lower(username) HAVING COUNT(*) > 1)`,
      );
      if (rows.length === 0) return;
      // Sorted here, not in SQL: collations differ between the engines.
      const groups = new Map<string, string[]>();
      for (const { username } of rows) groups.set(username.toLowerCase(), [...(groups.get(username.toLowerCase()) ?? []), username]);
      const list = [...groups.entries()]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([, g]) => g.sort().map((n) => JSON.stringify(n)).join(', '))
        .join('; ');
      throw new MigrationRefusedError(
        `cannot upgrade the database: usernames are now case-insensitive, but these usernames differ only in case: ${list}. ` +
          'Rename or delete all but one of each group in the users table, then start again.',
      );
    },
    sql: ['CREATE UNIQUE INDEX users_username_lower ON users (lower(username))'],
  },
  {
    // Health data in depth (product.md Part 2 §B): raw answers (content-addressed, compressed) and
    // the rows derived from them — every daily field, weigh-ins, intraday series (src/health/).
    version: 30,
    name: 'health-in-depth',
    sql: (dialect) => {
      const blob = dialect === 'postgres' ? 'BYTEA' : 'BLOB';
      const num = [
        'active_calories', 'floors', 'intensity_minutes', 'min_hr', 'max_hr', 'max_stress',
        'body_battery_charged', 'body_battery_drained', 'sleep_deep_s', 'sleep_light_s', 'sleep_rem_s',
        'sleep_awake_s', 'sleep_score', 'spo2_avg', 'spo2_low', 'respiration_avg', 'hrv_nightly_avg_ms',
        'training_readiness', 'vo2max_running', 'vo2max_cycling', 'body_fat_pct', 'muscle_mass_g',
        'bone_mass_g', 'body_water_pct', 'bmi', 'hydration_ml',
      ];
      return [
        ...num.map((c) => `ALTER TABLE health_days ADD COLUMN ${c} DOUBLE PRECISION`),
        ...['sleep_start', 'sleep_end', 'hrv_status', 'content_hash'].map((c) => `ALTER TABLE health_days ADD COLUMN ${c} TEXT`),
        `CREATE TABLE health_raw_blobs (
          sha256 TEXT PRIMARY KEY,
          size BIGINT NOT NULL,
          data ${blob} NOT NULL
        )`,
        `CREATE TABLE health_raw (
          user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
          source TEXT NOT NULL,
          period TEXT NOT NULL,
          sha256 TEXT NOT NULL,
          fetched_at BIGINT NOT NULL,
          first_day TEXT NOT NULL,
          last_day TEXT NOT NULL,
          PRIMARY KEY (user_id, source, period)
        )`,
        'CREATE INDEX health_raw_user_days ON health_raw(user_id, first_day, last_day)',
        `CREATE TABLE health_series (
          user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
          metric TEXT NOT NULL,
          day TEXT NOT NULL,
          count INTEGER NOT NULL,
          points ${blob} NOT NULL,
          PRIMARY KEY (user_id, metric, day)
        )`,
        `CREATE TABLE health_weights (
          user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
          sample_pk TEXT NOT NULL,
          day TEXT NOT NULL,
          time_ms BIGINT NOT NULL,
          weight_g DOUBLE PRECISION NOT NULL,
          bmi DOUBLE PRECISION,
          body_fat_pct DOUBLE PRECISION,
          body_water_pct DOUBLE PRECISION,
          bone_mass_g DOUBLE PRECISION,
          muscle_mass_g DOUBLE PRECISION,
          source TEXT,
          PRIMARY KEY (user_id, sample_pk)
        )`,
        'CREATE INDEX health_weights_user_day ON health_weights(user_id, day, time_ms)',
        // Days stored before this kept 9 fields and no raw answers: the next health sync reads the
        // whole year again (as a first sync does) and fills every field.
        "DELETE FROM sync_cursors WHERE cursor_key = 'health'",
      ];
    },
  },
  {
    // Activities in depth (product.md Part 2 §C): what each stored FIT file decodes to (src/activities/),
    // written in the same transaction as the activity row. Records are one compact blob per activity
    // (records-codec.ts). Activities stored before have no row here: `fitsync-server rebuild` decodes them.
    version: 31,
    name: 'activities-decoded',
    sql: (dialect) => [
      `CREATE TABLE activity_decoded (
        user_id TEXT NOT NULL,
        activity_id TEXT NOT NULL,
        fit_sha256 TEXT NOT NULL,
        decoder_version INTEGER NOT NULL,
        decode_error TEXT,
        sport TEXT,
        sub_sport TEXT,
        device_json TEXT,
        laps_json TEXT NOT NULL,
        record_count INTEGER,
        record_fields TEXT NOT NULL,
        records ${dialect === 'postgres' ? 'BYTEA' : 'BLOB'},
        PRIMARY KEY (user_id, activity_id),
        FOREIGN KEY (user_id, activity_id) REFERENCES activities(user_id, activity_id) ON DELETE CASCADE
      )`,
    ],
  },
  {
    // Gear and personal records (product.md Part 2 §C), synced with activities as snapshots: the
    // user's whole set is replaced in one transaction. Garmin's answers are kept whole (raw_json,
    // stats_json) next to the columns the API reads (sync/kinds/activity-extras.ts).
    version: 32,
    name: 'gear-and-personal-records',
    sql: [
      `CREATE TABLE gear (
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        gear_id TEXT NOT NULL,
        position INTEGER NOT NULL,
        name TEXT,
        gear_type TEXT,
        make TEXT,
        model TEXT,
        status TEXT,
        date_begin TEXT,
        date_end TEXT,
        max_distance_m DOUBLE PRECISION,
        total_distance_m DOUBLE PRECISION,
        total_activities DOUBLE PRECISION,
        raw_json TEXT NOT NULL,
        stats_json TEXT,
        fetched_at BIGINT NOT NULL,
        PRIMARY KEY (user_id, gear_id)
      )`,
      `CREATE TABLE personal_records (
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        record_id TEXT NOT NULL,
        position INTEGER NOT NULL,
        type_id INTEGER NOT NULL,
        value DOUBLE PRECISION,
        activity_id TEXT,
        activity_name TEXT,
        activity_type TEXT,
        set_at TEXT,
        raw_json TEXT NOT NULL,
        fetched_at BIGINT NOT NULL,
        PRIMARY KEY (user_id, record_id)
      )`,
    ],
  },
  {
    // Always current (product.md Part 2 §D): what started a job and a note on how it ended; when
    // Garmin stopped accepting a connection's sign-in, and the account's time zone.
    version: 33,
    name: 'sync-trigger-and-garmin-state',
    sql: [
      `ALTER TABLE sync_jobs ADD COLUMN trigger TEXT NOT NULL DEFAULT 'manual'`,
      `ALTER TABLE sync_jobs ADD COLUMN message TEXT`,
      `ALTER TABLE garmin_connections ADD COLUMN reauth_required_at BIGINT`,
      `ALTER TABLE garmin_connections ADD COLUMN time_zone TEXT`,
    ],
  },
  {
    // Schedules (product.md Part 2 §D): one row per user who ever had one. next_run_at is the
    // jittered due time (null while disabled); schedulers claim a due row by compare-and-set on it,
    // so each due time runs once however many instances share the database. Slots are counted
    // from phase_at (the last PUT), so a late or caught-up run does not shift later ones.
    version: 34,
    name: 'sync-schedules',
    sql: [
      `CREATE TABLE sync_schedules (
        user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
        every_s INTEGER NOT NULL,
        sync_type TEXT NOT NULL,
        enabled INTEGER NOT NULL,
        next_run_at BIGINT,
        phase_at BIGINT NOT NULL,
        last_run_at BIGINT,
        last_job_id TEXT,
        updated_at BIGINT NOT NULL
      )`,
      // "What is due next" reads only enabled rows, earliest first.
      `CREATE INDEX sync_schedules_due ON sync_schedules (next_run_at) WHERE next_run_at IS NOT NULL`,
    ],
  },
  {
    // Garmin sign-in protection (product.md §D). Back-off per Garmin account: keyed by
    // an HMAC of the normalised e-mail (SecretBox.keyedHash), never the address. The per-user table
    // keeps the MFA step's cool-down and learns which account the user last signed in with, so the
    // MFA step and GET /v1/garmin/connection find that account's back-off.
    version: 36,
    name: 'garmin-signin-backoff-and-token-keeper',
    sql: [
      `CREATE TABLE garmin_signin_backoffs (
        account_key TEXT PRIMARY KEY,
        level INTEGER NOT NULL,
        until_ms BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      )`,
      'ALTER TABLE garmin_signin_cooldowns ADD COLUMN account_key TEXT',
      // The token keeper (GarminTokenKeeper) finds connections to refresh without opening every
      // sealed pair: the expiries are not secret. Null on rows written before this migration.
      'ALTER TABLE garmin_connections ADD COLUMN access_expires_at BIGINT',
      'ALTER TABLE garmin_connections ADD COLUMN refresh_expires_at BIGINT',
      // One keeper instance refreshes a connection at a time: it claims the row until then.
      'ALTER TABLE garmin_connections ADD COLUMN keeper_claimed_until BIGINT',
    ],
  },
  {
    // Imports of Garmin's export (product.md Part 2 §E): the upload (resumable: received_bytes is
    // what is durably in the file), then its job. progress_json is the import job's own resume
    // state (which parts of the archive are committed), written in the transactions that commit them.
    version: 37,
    name: 'imports',
    sql: [
      `CREATE TABLE imports (
        import_id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        format TEXT NOT NULL,
        status TEXT NOT NULL,
        size_bytes BIGINT NOT NULL,
        received_bytes BIGINT NOT NULL,
        sha256 TEXT NOT NULL,
        job_id TEXT,
        progress_json TEXT,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      )`,
      'CREATE INDEX imports_user_sha ON imports (user_id, sha256)',
      'CREATE UNIQUE INDEX imports_job ON imports (job_id) WHERE job_id IS NOT NULL',
    ],
  },
  {
    // Blob storage (product.md Part 2 §F, src/blobs/): with FITSYNC_BLOB_STORE=db, FIT files and import
    // uploads live here, a header row per blob and its bytes in fixed-size chunks (never one huge
    // value). `complete` is 0 while a multi-chunk FIT put is under way (a crash leaves it 0: the
    // collector's). `stored_at` is a blob's age for the collector: every put of the same bytes, every
    // `has` and every upload checkpoint touches it. health_raw_blobs gets the same age, touched on
    // each upsert. The indexes serve the collector's reference checks.
    version: 38,
    name: 'blob-store',
    sql: (dialect) => {
      const blob = dialect === 'postgres' ? 'BYTEA' : 'BLOB';
      return [
        `CREATE TABLE blobs (
          kind TEXT NOT NULL,
          name TEXT NOT NULL,
          size BIGINT NOT NULL,
          complete INTEGER NOT NULL,
          stored_at BIGINT NOT NULL,
          PRIMARY KEY (kind, name)
        )`,
        'CREATE INDEX blobs_age ON blobs (kind, stored_at)',
        `CREATE TABLE blob_chunks (
          kind TEXT NOT NULL,
          name TEXT NOT NULL,
          seq INTEGER NOT NULL,
          data ${blob} NOT NULL,
          PRIMARY KEY (kind, name, seq),
          FOREIGN KEY (kind, name) REFERENCES blobs (kind, name) ON DELETE CASCADE
        )`,
        'CREATE INDEX activities_fit_sha ON activities (fit_sha256) WHERE fit_sha256 IS NOT NULL',
        'CREATE INDEX health_raw_sha ON health_raw (sha256)',
        'ALTER TABLE health_raw_blobs ADD COLUMN stored_at BIGINT NOT NULL DEFAULT 0',
        'CREATE INDEX health_raw_blobs_age ON health_raw_blobs (stored_at)',
      ];
    },
  },
  {
    // Garmin politeness per Garmin account and per deployment (product.md Part 2 §F; PgPaceBook):
    // the next free start of each lane, `account:<keyed hash of the display name>` or `deployment`.
    // Used on PostgreSQL (instances share it); one SQLite process keeps its lanes in memory.
    // Fairness: a job that yields its worker (FITSYNC_JOB_SLICE) goes to the back of the queue:
    // claims take the oldest queued_at (the creation, or the last yield).
    version: 39,
    name: 'garmin-pace-and-fair-queue',
    sql: [
      `CREATE TABLE garmin_pace (
        pace_key TEXT PRIMARY KEY,
        next_start_ms BIGINT NOT NULL
      )`,
      'ALTER TABLE sync_jobs ADD COLUMN queued_at BIGINT',
      'UPDATE sync_jobs SET queued_at = created_at',
    ],
  },
  {
    // Retention (product.md Part 2 §F; src/retention/): the purger finds expired refresh tokens and
    // old finished jobs by these, not by scanning the tables every FITSYNC_PURGE_EVERY.
    version: 40,
    name: 'retention-indexes',
    sql: [
      'CREATE INDEX refresh_tokens_expires ON refresh_tokens (expires_at)',
      "CREATE INDEX sync_jobs_ended ON sync_jobs (end_time) WHERE status IN ('completed', 'failed', 'cancelled')",
    ],
  },
  {
    // Browser sessions (docs/web.md; src/web/): the cookie's secret of an ordinary `sessions` row,
    // stored as its sha256 only. Revoking the session kills the cookie (the lookup joins it); the
    // purger removes rows past expires_at, and deleting the session cascades here.
    version: 41,
    name: 'web-sessions',
    sql: [
      `CREATE TABLE web_sessions (
        secret_hash TEXT PRIMARY KEY,
        session_id TEXT NOT NULL UNIQUE REFERENCES sessions(id) ON DELETE CASCADE,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL
      )`,
      'CREATE INDEX web_sessions_expires ON web_sessions (expires_at)',
    ],
  },
];
