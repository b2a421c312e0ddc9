// Sync fs: small files, one-shot process, and no thread-pool round trips at start-up.
import { chmodSync, closeSync, constants, fsyncSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Runtime } from '@fitsync/runtime';
import { isTable } from '../config.js';
import { UsageError } from '../errors.js';
import { readSmallFile } from '../read-small-file.js';
import { Secret } from '../secret.js';
import { loadToml } from '../toml.js';
import { configDirError, ensureConfigDir } from './config-dir.js';
import { withFileLock } from './file-lock.js';

/** What is stored per profile in credentials.toml (spec: "Local files"). */
export interface StoredCredentials {
  server: string;
  username: string;
  userId: string;
  sessionId: string;
  mfaVerified: boolean;
  accessToken: Secret;
  /** Epoch ms. */
  accessIssuedAt: number;
  accessExpiresAt: number;
  refreshToken: Secret;
  refreshExpiresAt: number;
}

export const CREDENTIALS_FILE = 'credentials.toml';

/**
 * The credentials file: created 0600 in a 0700 directory, written atomically
 * (temp file + fsync + rename) under an inter-process lock, refused when its
 * permissions let group or others read it. Problems are UsageErrors (exit 2):
 * the user must fix a local file, as the message says.
 */
export class CredentialStore {
  readonly dir: string;
  readonly path: string;
  readonly lockPath: string;
  readonly #runtime: Runtime;
  readonly #debug: ((line: string) => void) | undefined;
  #cache: Promise<Record<string, unknown> | undefined> | undefined;

  constructor(dir: string, runtime: Runtime, debug?: (line: string) => void) {
    this.#debug = debug;
    this.dir = dir;
    this.path = join(dir, CREDENTIALS_FILE);
    this.lockPath = `${this.path}.lock`;
    this.#runtime = runtime;
  }

  /** The stored credentials of `profile`, or undefined when there are none. */
  async read(profile: string): Promise<StoredCredentials | undefined> {
    const doc = await this.#readDoc();
    const p = doc?.[profile];
    return p === undefined ? undefined : decode(p, this.path, profile);
  }

  /**
   * Like `read`, but parses the file at most once per process (the file is
   * read for the server URL and again for the tokens). Writes clear it.
   */
  async readCached(profile: string): Promise<StoredCredentials | undefined> {
    this.#cache ??= this.#readDoc();
    const doc = await this.#cache;
    const p = doc?.[profile];
    return p === undefined ? undefined : decode(p, this.path, profile);
  }

  /** Runs `fn` under the credentials lock (used for refresh: re-read, call, write). */
  withLock<T>(fn: () => Promise<T>): Promise<T> {
    return this.#ensureDir().then(() => withFileLock(this.lockPath, { runtime: this.#runtime, onWait: () => this.#debug?.(`* waiting for the lock ${this.lockPath}`) }, fn));
  }

  /**
   * Stores (or, with undefined, removes) a profile's credentials. Call inside
   * `withLock` when the write depends on what was read; `opts.replaceCorrupt`
   * lets `auth login` replace a file it cannot parse.
   */
  async writeUnlocked(profile: string, creds: StoredCredentials | undefined, opts: { replaceCorrupt?: boolean } = {}): Promise<{ replacedCorrupt: boolean }> {
    let doc: Record<string, unknown> = {};
    let replacedCorrupt = false;
    try {
      doc = (await this.#readDoc()) ?? {};
    } catch (err) {
      if (!(opts.replaceCorrupt && err instanceof CorruptCredentialsError)) throw err;
      replacedCorrupt = true;
    }
    if (creds) doc[profile] = encode(creds);
    else delete doc[profile];
    const { stringify } = await loadToml();
    const header = '# FitSync credentials: keep this file private (mode 0600). Managed by `fitsync auth`.\n';
    this.#cache = undefined;
    await this.#atomicWrite(`${header}${stringify({ profiles: doc })}\n`);
    return { replacedCorrupt };
  }

  /** `writeUnlocked` under the lock. */
  write(profile: string, creds: StoredCredentials | undefined, opts: { replaceCorrupt?: boolean } = {}): Promise<{ replacedCorrupt: boolean }> {
    return this.withLock(() => this.writeUnlocked(profile, creds, opts));
  }

  async #ensureDir(): Promise<void> {
    ensureConfigDir(this.dir);
  }

  async #readDoc(): Promise<Record<string, unknown> | undefined> {
    let text: string;
    try {
      const st = statSync(this.path);
      // Group/other bits set: someone else may have read the tokens already.
      if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
        throw new UsageError(
          `${this.path} is accessible by other users (mode ${(st.mode & 0o777).toString(8)}); refusing to use it`,
          `run \`chmod 600 ${this.path}\`, then \`fitsync auth login\` again if the tokens may have leaked`,
        );
      }
      text = readSmallFile(this.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      if (err instanceof UsageError) throw err;
      throw new UsageError(`cannot read ${this.path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    const { parse } = await loadToml();
    let doc: unknown;
    try {
      doc = parse(text);
    } catch {
      throw new CorruptCredentialsError(this.path);
    }
    if (!isTable(doc)) throw new CorruptCredentialsError(this.path);
    const profiles = doc.profiles ?? {};
    if (!isTable(profiles)) throw new CorruptCredentialsError(this.path);
    return profiles;
  }

  async #atomicWrite(text: string): Promise<void> {
    await this.#ensureDir();
    try {
      this.#atomicWriteSync(text);
    } catch (err) {
      throw configDirError(this.dir, err, 'write to');
    }
  }

  #atomicWriteSync(text: string): void {
    const tmp = `${this.path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    try {
      try {
        writeSync(fd, text);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
    // The umask cannot widen 0600, but be explicit about the mode that is checked on read.
    chmodSync(tmp, 0o600);
    renameSync(tmp, this.path);
    // fsync the directory so the rename itself survives a crash.
    try {
      const dfd = openSync(this.dir, 'r');
      try {
        fsyncSync(dfd);
      } finally {
        closeSync(dfd);
      }
    } catch {
      // Not supported on every platform; the rename is still atomic.
    }
  }
}

/** The credentials file cannot be parsed. `auth login` replaces it. */
export class CorruptCredentialsError extends UsageError {
  constructor(path: string) {
    super(`${path} is corrupt (not valid credentials TOML)`, 'run `fitsync auth login` to replace it');
  }
}

function encode(c: StoredCredentials): Record<string, unknown> {
  return {
    server: c.server,
    username: c.username,
    user_id: c.userId,
    session_id: c.sessionId,
    mfa_verified: c.mfaVerified,
    access_token: c.accessToken.reveal(),
    access_issued_at: new Date(c.accessIssuedAt),
    access_expires_at: new Date(c.accessExpiresAt),
    refresh_token: c.refreshToken.reveal(),
    refresh_expires_at: new Date(c.refreshExpiresAt),
  };
}

function decode(v: unknown, path: string, profile: string): StoredCredentials {
  const bad = () => new CorruptCredentialsError(`${path} [profiles.${profile}]`);
  if (!isTable(v)) throw bad();
  const s = (k: string) => {
    const x = v[k];
    if (typeof x !== 'string' || x === '') throw bad();
    return x;
  };
  const t = (k: string) => {
    const x = v[k];
    const ms = x instanceof Date ? x.getTime() : typeof x === 'string' ? Date.parse(x) : Number.NaN;
    if (!Number.isFinite(ms)) throw bad();
    return ms;
  };
  if (typeof v.mfa_verified !== 'boolean') throw bad();
  return {
    server: s('server'),
    username: s('username'),
    userId: s('user_id'),
    sessionId: s('session_id'),
    mfaVerified: v.mfa_verified,
    accessToken: new Secret(s('access_token')),
    accessIssuedAt: t('access_issued_at'),
    accessExpiresAt: t('access_expires_at'),
    refreshToken: new Secret(s('refresh_token')),
    refreshExpiresAt: t('refresh_expires_at'),
  };
}
