/**
 * Stable machine codes carried in the `code` member of every problem+json
 * error (RFC 9457). Dependency-free so the CLI can import it without loading
 * the schema builder.
 */
export const ERROR_CODES = [
  'invalid_credentials',
  'mfa_required',
  'invalid_mfa_code',
  'mfa_challenge_expired',
  'too_many_attempts',
  'invalid_token',
  'invalid_grant',
  'not_found',
  'validation_error',
  'sync_in_progress',
  'garmin_not_connected',
  'garmin_auth_failed',
  'job_finished',
  'idempotency_key_reused',
  'rate_limited',
  'upstream_unavailable',
  'internal_error',
  // Added with the server's MFA endpoints: enabling TOTP twice / disabling it when off (409).
  'mfa_already_enabled',
  'mfa_not_enabled',
  // Activity exports (422): the stored FIT file could not be decoded / holds nothing the format can carry.
  'decode_error',
  'nothing_to_export',
  // Imports (product.md Part 2 §E): an archive over FITSYNC_IMPORT_MAX_BYTES (413); a PATCH whose
  // Upload-Offset is not where the upload stands (409, with `received_bytes`); the bytes received do
  // not hash to the sha256 announced (422, the upload starts over).
  'payload_too_large',
  'upload_offset_mismatch',
  'checksum_mismatch',
  // Browser sessions (docs/web.md): a cookie-authenticated state change without the session's
  // X-CSRF-Token, or from a foreign Origin; a sign-in post from a foreign Origin (403).
  'csrf_failed',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export const SYNC_TYPES = ['all', 'activities', 'health', 'workouts'] as const;
export type SyncType = (typeof SYNC_TYPES)[number];

/**
 * What a job's `sync_type` may be: the types `sync start` takes, plus `import` (a job that reads an
 * uploaded Garmin export instead of Garmin's API; created by `POST /v1/imports`, never by `sync start`).
 */
export const SYNC_JOB_TYPES = [...SYNC_TYPES, 'import'] as const;
export type SyncJobType = (typeof SYNC_JOB_TYPES)[number];

/** Archive formats `POST /v1/imports` accepts. */
export const IMPORT_FORMATS = ['garmin-export'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/**
 * An upload's state: `uploading` (bytes still missing), `uploaded` (every byte received and its
 * sha256 checked, but no job yet: another job of the user was active), `started` (its job exists:
 * `job_id`; the job's status says how the import goes).
 */
export const IMPORT_STATUSES = ['uploading', 'uploaded', 'started'] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];

/** What started a job: `sync start`, the user's schedule, or an import of Garmin's export. */
export const SYNC_TRIGGERS = ['manual', 'schedule', 'import'] as const;
export type SyncTrigger = (typeof SYNC_TRIGGERS)[number];

export const SYNC_STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled'] as const;
export type SyncStatus = (typeof SYNC_STATUSES)[number];
export const TERMINAL_SYNC_STATUSES: readonly SyncStatus[] = ['completed', 'failed', 'cancelled'];

/** A Garmin link's state as `GET /v1/garmin/connection` and `GET /v1/me` (`garmin_status`) show it. */
export const GARMIN_STATUSES = ['connected', 'not_connected', 'reauth_required'] as const;
export type GarminStatus = (typeof GARMIN_STATUSES)[number];

export const MFA_METHODS = ['totp', 'recovery_code'] as const;

/** Media type of problem details (RFC 9457). */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
/** Media type of original FIT files. */
export const FIT_CONTENT_TYPE = 'application/vnd.ant.fit';
