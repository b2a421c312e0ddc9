import { closeSync, constants, fstatSync, lstatSync, openSync } from 'node:fs';
import { dirname, isAbsolute, join, parse as parsePath, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { readSmallFd } from '../read-small-file.js';

/** Real token files are a few KiB; anything bigger is not one. */
export const MAX_TOKEN_FILE_BYTES = 64 * 1024;

/** The token files found at PATH: one python-garminconnect file, or garth's two. */
export type TokenFiles =
  | { kind: 'file'; path: string; text: string }
  | { kind: 'garth-dir'; dir: string; oauth1: { path: string; text: string }; oauth2: { path: string; text: string } };

/**
 * Expands `~` and `~/…` to `home` (garmin-token-files.md §1: `~otheruser/…` is refused, as
 * python-garminconnect does), and makes the path absolute.
 */
export function expandTokenPath(raw: string, home: string, cwd: string): string {
  if (raw === '~' || raw.startsWith('~/')) return join(home, raw.slice(1));
  if (raw.startsWith('~')) throw new UsageError(`${raw}: "~user" paths are not supported`, 'give the path from your own home (~/…) or an absolute path');
  return isAbsolute(raw) ? raw : resolve(cwd, raw);
}

/**
 * Finds and reads the token files at an absolute `path` (§3): a directory holds
 * `garmin_tokens.json` (python-garminconnect ≥ 0.3), else `oauth1_token.json` + `oauth2_token.json`
 * (garth); a file is read as it is. Like python-garminconnect, a symlink in the path or any parent
 * is refused (a planted link must not make us send another file's secrets), files are opened
 * without following links, and none may exceed {@link MAX_TOKEN_FILE_BYTES}. Problems are
 * UsageErrors (exit 2) naming the path.
 */
export function readTokenFiles(path: string): TokenFiles {
  refuseSymlinks(path);
  const st = statOrThrow(path);
  if (st.isDirectory()) {
    const pgc = join(path, 'garmin_tokens.json');
    if (exists(pgc)) return { kind: 'file', path: pgc, text: readTokenFile(pgc) };
    const o1 = join(path, 'oauth1_token.json');
    const o2 = join(path, 'oauth2_token.json');
    if (exists(o1) && exists(o2)) {
      return { kind: 'garth-dir', dir: path, oauth1: { path: o1, text: readTokenFile(o1) }, oauth2: { path: o2, text: readTokenFile(o2) } };
    }
    const half = exists(o1) ? o2 : exists(o2) ? o1 : null;
    throw new UsageError(
      half ? `${path}: garth's ${half.slice(path.length + 1)} is missing` : `${path}: no token files in this directory`,
      'expected garmin_tokens.json (python-garminconnect) or oauth1_token.json + oauth2_token.json (garth)',
    );
  }
  if (!st.isFile()) throw new UsageError(`${path}: not a regular file or a directory`);
  return { kind: 'file', path, text: readTokenFile(path) };
}

function refuseSymlinks(path: string): void {
  const root = parsePath(path).root;
  for (let p = path; p !== root; p = dirname(p)) {
    let isLink = false;
    try {
      isLink = lstatSync(p).isSymbolicLink();
    } catch {
      // Missing parts are reported by the stat that follows.
    }
    if (isLink) {
      throw new UsageError(`${path}: ${p} is a symbolic link; refusing to follow it`, 'give the real path of the token file or folder');
    }
  }
}

function statOrThrow(path: string) {
  try {
    return lstatSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`${path}: ${code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : 'cannot be read'}`);
  }
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Reads one token file: no links followed, regular files only, at most MAX_TOKEN_FILE_BYTES. */
function readTokenFile(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new UsageError(`${path} is a symbolic link; refusing to follow it`);
    throw new UsageError(`${path}: ${code === 'EACCES' ? 'permission denied' : 'cannot be read'}`);
  }
  try {
    if (!fstatSync(fd).isFile()) throw new UsageError(`${path}: not a regular file`);
    return readSmallFd(fd, MAX_TOKEN_FILE_BYTES, () => new UsageError(`${path} is larger than ${MAX_TOKEN_FILE_BYTES / 1024} KiB: not a Garmin token file`));
  } finally {
    closeSync(fd);
  }
}
