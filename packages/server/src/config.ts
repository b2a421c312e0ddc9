import { availableParallelism, homedir } from 'node:os';
import { isIP } from 'node:net';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatDuration, parseDuration } from '@fitsync/api/rules';

/** Everything the server reads from flags and environment. */
export interface Config {
  host: string;
  port: number;
  dataDir: string;
  /** undefined: the SQLite file in dataDir */
  databaseUrl: string | undefined;
  /** undefined: the key file in dataDir */
  secretKey: string | undefined;
  tlsCert: string | undefined;
  tlsKey: string | undefined;
  accessTokenTtlS: number;
  refreshTokenTtlS: number;
  logLevel: LogLevel;
  garmin: { ssoUrl: string; apiUrl: string; diauthUrl: string };
  auth: {
    /** failed password (or code) attempts per account from one client address within the window before that pair is locked */
    maxFailures: number;
    /** failed attempts per account from all addresses within the window before the account is locked (NIST SP 800-63B §5.2.2: at most 100) */
    maxFailuresPerAccount: number;
    /** failed attempts per client address within the window before a lockout */
    maxFailuresPerIp: number;
    windowS: number;
    lockoutS: number;
    /** MFA challenge lifetime and wrong-code budget (spec: 5 minutes, 5 codes) */
    challengeTtlS: number;
    challengeMaxAttempts: number;
  };
  /** Sync workers and upstream politeness (see `syncConfig`). */
  sync: SyncConfig;
  /** Slow-client limits of the HTTP server (see `HttpTimeouts`). */
  http: HttpTimeouts;
  /** Automatic syncs (see `ScheduleConfig`). */
  schedule: ScheduleConfig;
  /** Keeping Garmin sessions alive (see `GarminTokenConfig`). */
  garminTokens: GarminTokenConfig;
  /** Imports of Garmin's export (see `ImportConfig`). */
  imports: ImportConfig;
  /** Where FIT files, raw answers and uploads live (see `BlobConfig`). */
  blobs: BlobConfig;
  /** What is purged, and how often (see `RetentionConfig`). */
  retention: RetentionConfig;
  /**
   * FITSYNC_TRUST_PROXY: `off` (default) or a comma-separated list of proxy addresses (IPv4/IPv6,
   * optionally CIDR such as 10.0.0.0/8). Requests arriving from one of them are taken to be from the
   * client X-Forwarded-For names (per-address throttling, logs); from anyone else the header is ignored.
   */
  trustProxy: string[] | null;
  /**
   * FITSYNC_WEB_DIR: the built web app (index.html, assets/); default the `web/` folder beside the
   * server's bundle, packages/server/dist/web (docs/web.md "Serving").
   */
  webDir: string;
  /**
   * FITSYNC_PUBLIC_URL: the server's address as browsers reach it (e.g. behind a reverse proxy),
   * an absolute http(s) URL without query or fragment, no trailing slash. undefined: each request's
   * own origin. Device login builds its `verification_uri` from it.
   */
  publicUrl: string | undefined;
  /** Device login, RFC 8628 (see `DeviceConfig`). */
  device: DeviceConfig;
}

/**
 * Device login (RFC 8628). FITSYNC_DEVICE_CODE_TTL (default 10m): how long a device code and its
 * user code live. FITSYNC_DEVICE_POLL_INTERVAL (default 5s): the `interval` a device must wait
 * between polls (it grows by 5 s on each slow_down).
 */
export interface DeviceConfig {
  codeTtlS: number;
  pollIntervalS: number;
}

/**
 * FITSYNC_BLOB_STORE `fs` | `db`: where blobs (original FIT files, import uploads) live — the data
 * dir, or the database itself. Default: `fs` with SQLite, `db` with PostgreSQL (instances on one
 * PostgreSQL then share nothing else). FITSYNC_BLOB_GC_EVERY (default 6h): how often orphaned blobs
 * are collected; FITSYNC_BLOB_GC_GRACE (default 1h): a blob younger than this is never collected (a
 * job may have stored it and not yet committed the row that names it).
 */
export interface BlobConfig {
  store: 'fs' | 'db';
  gcEveryMs: number;
  gcGraceMs: number;
}

/**
 * FITSYNC_JOB_RETENTION (default 90d): finished sync jobs older than this are purged.
 * FITSYNC_PURGE_EVERY (default 1h): how often expired challenges, spent refresh tokens, old
 * throttle rows and old jobs are purged.
 */
export interface RetentionConfig {
  jobRetentionMs: number;
  purgeEveryMs: number;
}

/**
 * FITSYNC_IMPORT_MAX_BYTES (default 20 GB = 20·10⁹ bytes): the largest archive `POST /v1/imports`
 * accepts. Uploads are kept under `<dataDir>/imports/` until their job ends.
 */
export interface ImportConfig {
  maxBytes: number;
  /**
   * FITSYNC_IMPORT_BATCH_FILES (default 200): FIT files an import commits per transaction; a crash
   * redoes at most one batch, and progress moves in these steps.
   */
  batchFiles: number;
}

/**
 * Schedules (DURATION values: `30s`, `15m`, `6h`, `1d`). FITSYNC_SCHEDULE_MIN_INTERVAL (default
 * 15m): the shortest interval a user may choose. FITSYNC_DEFAULT_SYNC_EVERY (default 6h, or `off`):
 * the schedule a newly linked Garmin account gets when its user never had one.
 */
export interface ScheduleConfig {
  minIntervalS: number;
  /** null: `off`, linking adds no schedule. */
  defaultEveryS: number | null;
}

/**
 * FITSYNC_GARMIN_TOKEN_CHECK_S 3600: how often the token keeper looks for idle Garmin connections
 * whose tokens need a refresh (0 = never; syncs still refresh their own).
 * FITSYNC_TEST_CRASH_AFTER_GARMIN_REFRESH=1 is for tests only: the process SIGKILLs itself right
 * after Garmin answered a token refresh, before the new pair is stored (read once at start).
 */
export interface GarminTokenConfig {
  checkIntervalMs: number;
  crashAfterRefresh: boolean;
}

/**
 * How long a client may take to send a request. Defaults: FITSYNC_HTTP_HEADERS_TIMEOUT_S 10 (request
 * line and headers, from the first byte or the connection), FITSYNC_HTTP_REQUEST_TIMEOUT_S 30 (the
 * whole request, body included), FITSYNC_HTTP_KEEP_ALIVE_TIMEOUT_S 5 (an idle connection between
 * requests). Responses are not limited: event streams stay open as long as they need.
 */
export interface HttpTimeouts {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
}

/**
 * Sync engine settings. Defaults: FITSYNC_WORKERS 2 (jobs run concurrently per process; 0 = this
 * process runs no jobs), FITSYNC_JOB_LEASE_MS 15000 (a job whose worker died is resumed this long
 * after its last heartbeat), FITSYNC_JOB_MAX_ATTEMPTS 5 (claims of a job whose worker keeps dying
 * before it ends `failed`), FITSYNC_GARMIN_CONCURRENCY 4 (in-flight Garmin calls per job),
 * FITSYNC_GARMIN_RPS 4 (Garmin calls started per second per Garmin account, shared by all its
 * jobs, workers and instances; 0 = no rate limit), and the retry
 * policy of data calls: FITSYNC_GARMIN_RETRY_ATTEMPTS 4, FITSYNC_GARMIN_RETRY_BASE_MS 1000,
 * FITSYNC_GARMIN_RETRY_MAX_MS 30000, FITSYNC_GARMIN_MAX_RETRY_AFTER_S 120.
 * FITSYNC_SYNC_MAX_JOBS_PER_HOUR 60: sync jobs one user may start per rolling hour (0 = no limit).
 * FITSYNC_DECODE_THREADS: worker threads decoding FIT files for the process's syncs and for
 * `fitsync-server rebuild` (default min(2, cores - 1), at least 1; docs/activities.md).
 */
export interface SyncConfig {
  workers: number;
  leaseMs: number;
  maxAttempts: number;
  garminConcurrency: number;
  garminRps: number;
  garminRetry: { maxAttempts: number; baseDelayMs: number; maxDelayMs: number; maxRetryAfterSeconds: number };
  maxJobsPerHour: number;
  decodeThreads: number;
  /**
   * FITSYNC_GARMIN_DEPLOYMENT_RPS (default 10; 0 = no cap): Garmin calls started per second by the
   * whole deployment (all users, workers and instances), since Garmin may throttle by address.
   */
  deploymentRps: number;
  /**
   * FITSYNC_JOB_SLICE (default 30s): a running job gives its worker back after this long when jobs
   * of other users are waiting, and goes back to the queue with its progress kept (fairness).
   */
  jobSliceMs: number;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Bad flag or environment value; the CLI prints the message and exits 2. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Flags that override environment variables (flags win). */
export interface ConfigFlags {
  host?: string;
  port?: string;
  dataDir?: string;
  tlsCert?: string;
  tlsKey?: string;
}

type Env = Record<string, string | undefined>;

/**
 * Builds the configuration from flags and environment (flags win), validating every value.
 * Throws ConfigError naming the flag or variable at fault.
 */
export function loadConfig(flags: ConfigFlags = {}, env: Env = process.env): Config {
  const str = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v === '' ? undefined : v;
  };
  const int = (name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number =>
    parseIntIn(str(name), name, fallback, min, max);

  const host = flags.host ?? str('FITSYNC_HOST') ?? '127.0.0.1';
  if (!/^[A-Za-z0-9.:_-]+$/.test(host)) throw new ConfigError(`invalid host ${JSON.stringify(host)} (--host / FITSYNC_HOST)`);
  const port =
    flags.port !== undefined ? parseIntIn(flags.port, '--port', 8787, 0, 65535) : int('FITSYNC_PORT', 8787, 0, 65535);

  const dataDirRaw = flags.dataDir ?? str('FITSYNC_DATA_DIR') ?? defaultDataDir(env);
  const dataDir = isAbsolute(dataDirRaw) ? dataDirRaw : resolve(dataDirRaw);

  const databaseUrl = str('FITSYNC_DATABASE_URL');
  if (databaseUrl && /^[a-z][a-z0-9+.-]*:\/\//i.test(databaseUrl) && !/^postgres(ql)?:\/\//i.test(databaseUrl)) {
    throw new ConfigError('FITSYNC_DATABASE_URL must be postgres://… (or a SQLite file path)');
  }

  const secretKey = str('FITSYNC_SECRET_KEY');
  if (secretKey !== undefined && secretKey.length < 32) {
    throw new ConfigError('FITSYNC_SECRET_KEY must be at least 32 characters (e.g. `openssl rand -base64 32`)');
  }

  const tlsCert = flags.tlsCert ?? str('FITSYNC_TLS_CERT');
  const tlsKey = flags.tlsKey ?? str('FITSYNC_TLS_KEY');
  if ((tlsCert === undefined) !== (tlsKey === undefined)) throw new ConfigError('--tls-cert and --tls-key go together');

  const logLevel = (str('FITSYNC_LOG_LEVEL') ?? 'info').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError(`FITSYNC_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  }

  const seconds = (name: string, fallback: number): number => parseSecondsMs(str(name), name, fallback);
  const http: HttpTimeouts = {
    headersTimeoutMs: seconds('FITSYNC_HTTP_HEADERS_TIMEOUT_S', 10),
    requestTimeoutMs: seconds('FITSYNC_HTTP_REQUEST_TIMEOUT_S', 30),
    keepAliveTimeoutMs: seconds('FITSYNC_HTTP_KEEP_ALIVE_TIMEOUT_S', 5),
  };
  // Node refuses a headers timeout longer than the request timeout.
  if (http.headersTimeoutMs > http.requestTimeoutMs) {
    throw new ConfigError('FITSYNC_HTTP_HEADERS_TIMEOUT_S must not exceed FITSYNC_HTTP_REQUEST_TIMEOUT_S');
  }

  return {
    host,
    port,
    dataDir,
    databaseUrl,
    secretKey,
    tlsCert,
    tlsKey,
    accessTokenTtlS: int('FITSYNC_ACCESS_TOKEN_TTL', 900, 1),
    refreshTokenTtlS: int('FITSYNC_REFRESH_TOKEN_TTL', 604800, 1),
    logLevel: logLevel as LogLevel,
    garmin: {
      ssoUrl: url(str('FITSYNC_GARMIN_SSO_URL') ?? 'https://sso.garmin.com', 'FITSYNC_GARMIN_SSO_URL'),
      apiUrl: url(str('FITSYNC_GARMIN_API_URL') ?? 'https://connectapi.garmin.com', 'FITSYNC_GARMIN_API_URL'),
      diauthUrl: url(str('FITSYNC_GARMIN_DIAUTH_URL') ?? 'https://diauth.garmin.com', 'FITSYNC_GARMIN_DIAUTH_URL'),
    },
    auth: {
      maxFailures: int('FITSYNC_AUTH_MAX_FAILURES', 5, 1),
      maxFailuresPerAccount: int('FITSYNC_AUTH_MAX_FAILURES_PER_ACCOUNT', 100, 1),
      maxFailuresPerIp: int('FITSYNC_AUTH_MAX_FAILURES_PER_IP', 50, 1),
      windowS: int('FITSYNC_AUTH_WINDOW_S', 900, 1),
      lockoutS: int('FITSYNC_AUTH_LOCKOUT_S', 300, 1),
      challengeTtlS: 300,
      challengeMaxAttempts: 5,
    },
    sync: {
      workers: int('FITSYNC_WORKERS', 2, 0, 64),
      leaseMs: int('FITSYNC_JOB_LEASE_MS', 15_000, 500, 3_600_000),
      maxAttempts: int('FITSYNC_JOB_MAX_ATTEMPTS', 5, 1, 1000),
      garminConcurrency: int('FITSYNC_GARMIN_CONCURRENCY', 4, 1, 64),
      garminRps: int('FITSYNC_GARMIN_RPS', 4, 0, 10_000),
      garminRetry: {
        maxAttempts: int('FITSYNC_GARMIN_RETRY_ATTEMPTS', 4, 1, 20),
        baseDelayMs: int('FITSYNC_GARMIN_RETRY_BASE_MS', 1000, 0, 600_000),
        maxDelayMs: int('FITSYNC_GARMIN_RETRY_MAX_MS', 30_000, 0, 3_600_000),
        maxRetryAfterSeconds: int('FITSYNC_GARMIN_MAX_RETRY_AFTER_S', 120, 0, 86_400),
      },
      maxJobsPerHour: int('FITSYNC_SYNC_MAX_JOBS_PER_HOUR', 60, 0, 1_000_000),
      decodeThreads: int('FITSYNC_DECODE_THREADS', Math.min(2, Math.max(1, availableParallelism() - 1)), 1, 64),
      deploymentRps: int('FITSYNC_GARMIN_DEPLOYMENT_RPS', 10, 0, 100_000),
      jobSliceMs: durationMs(str('FITSYNC_JOB_SLICE'), 'FITSYNC_JOB_SLICE', 30),
    },
    http,
    schedule: scheduleConfig(str('FITSYNC_SCHEDULE_MIN_INTERVAL'), str('FITSYNC_DEFAULT_SYNC_EVERY')),
    garminTokens: {
      checkIntervalMs: int('FITSYNC_GARMIN_TOKEN_CHECK_S', 3600, 0, 7 * 86_400) * 1000,
      crashAfterRefresh: str('FITSYNC_TEST_CRASH_AFTER_GARMIN_REFRESH') === '1',
    },
    imports: {
      maxBytes: int('FITSYNC_IMPORT_MAX_BYTES', 20_000_000_000, 1, Number.MAX_SAFE_INTEGER),
      batchFiles: int('FITSYNC_IMPORT_BATCH_FILES', 200, 1, 10_000),
    },
    blobs: {
      store: blobStore(str('FITSYNC_BLOB_STORE'), databaseUrl),
      gcEveryMs: durationMs(str('FITSYNC_BLOB_GC_EVERY'), 'FITSYNC_BLOB_GC_EVERY', 6 * 3600),
      gcGraceMs: durationMs(str('FITSYNC_BLOB_GC_GRACE'), 'FITSYNC_BLOB_GC_GRACE', 3600),
    },
    retention: {
      jobRetentionMs: durationMs(str('FITSYNC_JOB_RETENTION'), 'FITSYNC_JOB_RETENTION', 90 * 86_400),
      purgeEveryMs: durationMs(str('FITSYNC_PURGE_EVERY'), 'FITSYNC_PURGE_EVERY', 3600),
    },
    trustProxy: trustProxy(str('FITSYNC_TRUST_PROXY')),
    publicUrl: publicUrl(str('FITSYNC_PUBLIC_URL')),
    device: {
      codeTtlS: durationMs(str('FITSYNC_DEVICE_CODE_TTL'), 'FITSYNC_DEVICE_CODE_TTL', 600) / 1000,
      pollIntervalS: durationMs(str('FITSYNC_DEVICE_POLL_INTERVAL'), 'FITSYNC_DEVICE_POLL_INTERVAL', 5) / 1000,
    },
    webDir: resolve(str('FITSYNC_WEB_DIR') ?? defaultWebDir()),
  };
}

/**
 * dist/web of the server package: beside the bundle's main.js (this module may sit in its chunks/
 * folder), or ../dist/web from src/ when the server runs from source (tsx, tests).
 */
export function defaultWebDir(moduleUrl: string = import.meta.url): string {
  const here = fileURLToPath(moduleUrl);
  const dir = dirname(here);
  if (here.endsWith('.ts')) return resolve(dir, '..', 'dist', 'web');
  return join(basename(dir) === 'chunks' ? dirname(dir) : dir, 'web');
}

function blobStore(raw: string | undefined, databaseUrl: string | undefined): 'fs' | 'db' {
  if (raw === undefined) return databaseUrl !== undefined && /^postgres(ql)?:\/\//i.test(databaseUrl) ? 'db' : 'fs';
  const v = raw.trim().toLowerCase();
  if (v !== 'fs' && v !== 'db') throw new ConfigError(`FITSYNC_BLOB_STORE must be fs or db, got ${JSON.stringify(raw)}`);
  return v;
}

/** A DURATION setting (`30s`, `15m`, `6h`, `1d`) in milliseconds; at least one second. */
function durationMs(raw: string | undefined, name: string, fallbackS: number): number {
  if (raw === undefined) return fallbackS * 1000;
  const s = parseDuration(raw.trim());
  if (s === null || s < 1) throw new ConfigError(`${name} must be a duration such as 30s, 15m, 6h or 1d, got ${JSON.stringify(raw)}`);
  return s * 1000;
}

/** An absolute http(s) URL without query, fragment or credentials; returned without its trailing slash. */
function publicUrl(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  // The value is not quoted back: a URL with user:password@ in it would carry a secret into the message.
  const bad = () => new ConfigError('FITSYNC_PUBLIC_URL must be an absolute http(s) URL without credentials, query or fragment, e.g. https://fitsync.example.com');
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    throw bad();
  }
  const v = raw.trim();
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || v.includes('?') || v.includes('#') || u.username !== '' || u.password !== '') throw bad();
  return `${u.origin}${u.pathname}`.replace(/\/+$/, '');
}

/** `off` → null; otherwise each comma-separated entry must be an IP address or CIDR block. */
function trustProxy(raw: string | undefined): string[] | null {
  if (raw === undefined || raw.trim().toLowerCase() === 'off') return null;
  const entries = raw.split(',').map((e) => e.trim()).filter((e) => e !== '');
  if (entries.length === 0) throw new ConfigError('FITSYNC_TRUST_PROXY must be off or a list of proxy addresses');
  for (const e of entries) {
    const [addr, bits, extra] = e.split('/');
    const family = isIP(addr ?? '');
    const bitsOk = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32));
    if (family === 0 || !bitsOk || extra !== undefined) {
      throw new ConfigError(`FITSYNC_TRUST_PROXY: ${JSON.stringify(e)} is not an IP address or CIDR block (use off, or e.g. 127.0.0.1,10.0.0.0/8)`);
    }
  }
  return entries;
}

function scheduleConfig(minRaw: string | undefined, defaultRaw: string | undefined): ScheduleConfig {
  const duration = (raw: string, name: string): number => {
    const s = parseDuration(raw);
    if (s === null) throw new ConfigError(`${name} must be a duration such as 30s, 15m, 6h or 1d, got ${JSON.stringify(raw)}`);
    return s;
  };
  const minIntervalS = minRaw === undefined ? 900 : duration(minRaw, 'FITSYNC_SCHEDULE_MIN_INTERVAL');
  if (defaultRaw?.trim().toLowerCase() === 'off') return { minIntervalS, defaultEveryS: null };
  const defaultEveryS = defaultRaw === undefined ? 6 * 3600 : duration(defaultRaw, 'FITSYNC_DEFAULT_SYNC_EVERY');
  if (defaultEveryS < minIntervalS) {
    throw new ConfigError(
      `FITSYNC_DEFAULT_SYNC_EVERY (${formatDuration(defaultEveryS)}) must not be shorter than FITSYNC_SCHEDULE_MIN_INTERVAL (${formatDuration(minIntervalS)})`,
    );
  }
  return { minIntervalS, defaultEveryS };
}

function defaultDataDir(env: Env): string {
  const xdg = env.XDG_DATA_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, 'fitsync');
  return join(env.HOME || homedir(), '.local', 'share', 'fitsync');
}

function parseIntIn(raw: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(`${name} must be a whole number, got ${JSON.stringify(raw)}`);
  const n = Number(raw.trim());
  if (n < min || n > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

/** Seconds (fractions allowed, 0.1 to 3600) as whole milliseconds. */
function parseSecondsMs(raw: string | undefined, name: string, fallbackS: number): number {
  if (raw === undefined) return fallbackS * 1000;
  if (!/^\d+(\.\d+)?$/.test(raw.trim())) throw new ConfigError(`${name} must be a number of seconds, got ${JSON.stringify(raw)}`);
  const n = Number(raw.trim());
  if (n < 0.1 || n > 3600) throw new ConfigError(`${name} must be between 0.1 and 3600 seconds, got ${n}`);
  return Math.round(n * 1000);
}

function url(raw: string, name: string): string {
  try {
    const u = new URL(raw);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
    return raw.replace(/\/+$/, '');
  } catch {
    throw new ConfigError(`${name} must be an http(s) URL`);
  }
}
