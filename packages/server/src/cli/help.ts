export const MAIN_HELP = `fitsync-server — the FitSync API server

Usage:
  fitsync-server start [--host H] [--port N] [--data-dir DIR] [--tls-cert FILE --tls-key FILE]
  fitsync-server migrate [--data-dir DIR]
  fitsync-server user add NAME [--password-stdin] [--data-dir DIR]
  fitsync-server user list [--data-dir DIR]
  fitsync-server user reset-mfa NAME [--data-dir DIR]
  fitsync-server rebuild [--user NAME] [--data-dir DIR]
  fitsync-server backup FILE [--force] [--data-dir DIR]

Run \`fitsync-server COMMAND --help\` for details.

Environment (flags win): FITSYNC_HOST, FITSYNC_PORT, FITSYNC_DATA_DIR, FITSYNC_DATABASE_URL,
FITSYNC_SECRET_KEY, FITSYNC_TLS_CERT, FITSYNC_TLS_KEY, FITSYNC_ACCESS_TOKEN_TTL, FITSYNC_REFRESH_TOKEN_TTL,
FITSYNC_LOG_LEVEL,
FITSYNC_AUTH_MAX_FAILURES, FITSYNC_AUTH_MAX_FAILURES_PER_ACCOUNT, FITSYNC_AUTH_MAX_FAILURES_PER_IP,
FITSYNC_AUTH_WINDOW_S, FITSYNC_AUTH_LOCKOUT_S,
FITSYNC_GARMIN_SSO_URL, FITSYNC_GARMIN_API_URL, FITSYNC_GARMIN_DIAUTH_URL,
FITSYNC_WORKERS, FITSYNC_JOB_LEASE_MS, FITSYNC_JOB_MAX_ATTEMPTS, FITSYNC_JOB_SLICE,
FITSYNC_GARMIN_CONCURRENCY, FITSYNC_GARMIN_RPS (per Garmin account), FITSYNC_GARMIN_DEPLOYMENT_RPS,
FITSYNC_GARMIN_RETRY_ATTEMPTS, FITSYNC_GARMIN_RETRY_BASE_MS, FITSYNC_GARMIN_RETRY_MAX_MS,
FITSYNC_GARMIN_MAX_RETRY_AFTER_S, FITSYNC_SYNC_MAX_JOBS_PER_HOUR, FITSYNC_DECODE_THREADS,
FITSYNC_GARMIN_TOKEN_CHECK_S,
FITSYNC_SCHEDULE_MIN_INTERVAL (15m), FITSYNC_DEFAULT_SYNC_EVERY (6h, or off),
FITSYNC_IMPORT_MAX_BYTES, FITSYNC_IMPORT_BATCH_FILES,
FITSYNC_HTTP_HEADERS_TIMEOUT_S, FITSYNC_HTTP_REQUEST_TIMEOUT_S, FITSYNC_HTTP_KEEP_ALIVE_TIMEOUT_S,
FITSYNC_BLOB_STORE (fs|db), FITSYNC_BLOB_GC_EVERY, FITSYNC_BLOB_GC_GRACE,
FITSYNC_TRUST_PROXY, FITSYNC_JOB_RETENTION, FITSYNC_PURGE_EVERY,
FITSYNC_PUBLIC_URL (the address browsers use), FITSYNC_DEVICE_CODE_TTL, FITSYNC_DEVICE_POLL_INTERVAL,
FITSYNC_WEB_DIR (the built web app; default dist/web beside the server bundle).
All of them, with defaults: packages/server/README.md; operations: docs/operations.md.
`;

export const START_HELP = `Usage: fitsync-server start [--host H] [--port N] [--data-dir DIR] [--tls-cert FILE --tls-key FILE]

Applies pending migrations, then serves the API. The first line on stdout is the URL it
listens on. SIGINT/SIGTERM stop it cleanly (exit 0). Logs are JSON lines on stderr.

Flags (each overrides its environment variable):
  --host H          address to bind (FITSYNC_HOST, default 127.0.0.1)
  --port N          port, 0 = any free port (FITSYNC_PORT, default 8787)
  --data-dir DIR    database file and key file (FITSYNC_DATA_DIR, default $XDG_DATA_HOME/fitsync)
  --tls-cert FILE   PEM certificate; serve HTTPS (with --tls-key)
  --tls-key FILE    PEM private key

Examples:
  fitsync-server start
  fitsync-server start --port 0 --data-dir /tmp/fitsync
  FITSYNC_DATABASE_URL=postgres://fitsync@db/fitsync fitsync-server start --host 0.0.0.0
`;

export const MIGRATE_HELP = `Usage: fitsync-server migrate [--data-dir DIR]

Applies pending database migrations and exits (start does this too). Safe to run while other
instances start: PostgreSQL migrations take an advisory lock. Then moves blobs (FIT files, import
uploads) into the store FITSYNC_BLOB_STORE names, when the other one holds some: the data dir's into
the database with db, the database's into the data dir with fs (copied, checked, then deleted at the
source; run it again after an interruption). All instances must use the same store.

Examples:
  fitsync-server migrate
  FITSYNC_DATABASE_URL=postgres://fitsync@db/fitsync fitsync-server migrate
`;

export const USER_HELP = `Usage:
  fitsync-server user add NAME [--password-stdin] [--data-dir DIR]
  fitsync-server user list [--data-dir DIR]
  fitsync-server user reset-mfa NAME [--data-dir DIR]

add        create a user; the password is read from stdin with --password-stdin, else asked
           twice on the terminal without echo (never taken from argv)
list       show users and whether MFA is on
reset-mfa  remove a user's TOTP secret and recovery codes (lost authenticator)

Examples:
  printf '%s' "$PASSWORD" | fitsync-server user add ann --password-stdin
  fitsync-server user add ann            # asks for the password twice
  fitsync-server user list
  fitsync-server user reset-mfa ann
`;

export const REBUILD_HELP = `Usage: fitsync-server rebuild [--user NAME] [--data-dir DIR]

Re-derives the typed data from what the server keeps, for every user or one: health (daily
rows, intraday series, weigh-ins) from the raw Garmin answers; activities (laps, records,
device) by decoding stored FIT files not decoded yet or by an older decoder. Makes no Garmin
call; safe to run while the server runs (each batch is one transaction). Use it after an
upgrade that derives more from the same data, or to repair typed rows. One line per user:
  ann: health 120 days (0 new, 2 updated, 118 unchanged); activities 40 activities (40 new, 0 updated, 0 unchanged)

Exit codes: 0 done, 2 usage error, 4 no such user, 1 anything else.

Examples:
  fitsync-server rebuild
  fitsync-server rebuild --user ann
  FITSYNC_DATABASE_URL=postgres://fitsync@db/fitsync fitsync-server rebuild --user ann
`;

export const BACKUP_HELP = `Usage: fitsync-server backup FILE [--force] [--data-dir DIR]

Writes a consistent copy of the SQLite database (the data dir's fitsync.db, or the file
FITSYNC_DATABASE_URL names) to FILE, safe while the server runs: SQLite's online backup, one
snapshot, written beside FILE under a temporary name, checked, fsynced, then renamed. FILE is
created 0600 (it holds password hashes and sealed Garmin tokens). An existing FILE is never
replaced unless --force.

With FITSYNC_BLOB_STORE=fs (the default on SQLite) the original FIT files live in <data dir>/fit,
outside the database: copy that directory too, after the backup (its files are content-addressed
and never change, so a later copy holds every file the backup names).

The server key (FITSYNC_SECRET_KEY, or <data dir>/secret.key) is not in the backup either and
the copy is useless without it (TOTP secrets and Garmin tokens are sealed with it): keep it too.

Restore: stop the server, copy FILE to <data dir>/fitsync.db (or point FITSYNC_DATABASE_URL at
it), with the fit directory and the same server key, and start.

PostgreSQL: use its own tools (pg_dump -Fc, pg_restore); this command refuses (exit 2).

Exit codes: 0 written, 2 usage error (no FILE, FILE exists, no such directory, PostgreSQL),
1 anything else (no database, disk full, …).

Examples:
  fitsync-server backup /backups/fitsync-$(date +%F).db
  fitsync-server backup /backups/fitsync.db --force
  rsync -a ~/.local/share/fitsync/fit/ /backups/fit/     # FIT files, after the backup
`;
