export const MAIN_HELP = `fitsync-server — the FitSync API server

Usage:
  fitsync-server start [--host H] [--port N] [--data-dir DIR] [--tls-cert FILE --tls-key FILE]
  fitsync-server migrate [--data-dir DIR]
  fitsync-server user add NAME [--password-stdin] [--data-dir DIR]
  fitsync-server user list [--data-dir DIR]
  fitsync-server user reset-mfa NAME [--data-dir DIR]
  fitsync-server rebuild [--user NAME] [--data-dir DIR]

Run \`fitsync-server COMMAND --help\` for details.

Environment (flags win): FITSYNC_HOST, FITSYNC_PORT, FITSYNC_DATA_DIR, FITSYNC_DATABASE_URL,
FITSYNC_SECRET_KEY, FITSYNC_ACCESS_TOKEN_TTL, FITSYNC_REFRESH_TOKEN_TTL, FITSYNC_LOG_LEVEL,
FITSYNC_AUTH_MAX_FAILURES, FITSYNC_AUTH_MAX_FAILURES_PER_ACCOUNT, FITSYNC_AUTH_MAX_FAILURES_PER_IP,
FITSYNC_AUTH_WINDOW_S, FITSYNC_AUTH_LOCKOUT_S,
FITSYNC_GARMIN_SSO_URL, FITSYNC_GARMIN_API_URL, FITSYNC_GARMIN_DIAUTH_URL,
FITSYNC_WORKERS, FITSYNC_JOB_LEASE_MS, FITSYNC_JOB_MAX_ATTEMPTS, FITSYNC_GARMIN_CONCURRENCY, FITSYNC_GARMIN_RPS,
FITSYNC_HTTP_HEADERS_TIMEOUT_S, FITSYNC_HTTP_REQUEST_TIMEOUT_S, FITSYNC_HTTP_KEEP_ALIVE_TIMEOUT_S.
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
