import { type Runtime, systemRuntime } from '@fitsync/runtime';
import { argon2Hasher, type PasswordHasher } from '../crypto/password-hasher.js';
import type { Db } from '../db/db.js';
import { cryptoRandom, newId, type Random } from '../random.js';
import { deleteRecoveryCodes } from '../repositories/recovery-codes.js';
import { deleteTotp } from '../repositories/totp-credentials.js';
import { findUserByName, insertUser, listUsers, type UserRow } from '../repositories/users.js';

// Same rule as the contract's LoginBody username (packages/api/src/auth.ts).
const USERNAME = /^[A-Za-z0-9._@-]{1,64}$/;

/** A user-administration failure with the exit code the admin CLI should return. */
export class UserAdminError extends Error {
  override name = 'UserAdminError';
  constructor(
    message: string,
    readonly exitCode: 2 | 4 | 5,
  ) {
    super(message);
  }
}

export interface UserAdminOptions {
  hasher?: PasswordHasher;
  runtime?: Pick<Runtime, 'now'>;
  random?: Random;
}

/** Creates a user with an argon2id password hash; returns the new row. */
export async function createUser(db: Db, username: string, password: string, opts: UserAdminOptions = {}): Promise<UserRow> {
  if (!USERNAME.test(username)) {
    throw new UserAdminError('username must be 1-64 characters of letters, digits, ".", "_", "@" or "-"', 2);
  }
  if (password.length === 0) throw new UserAdminError('password must not be empty', 2);
  if (password.length > 1024) throw new UserAdminError('password must be at most 1024 characters', 2);
  const hasher = opts.hasher ?? argon2Hasher();
  const row = {
    id: newId(opts.random ?? cryptoRandom),
    username,
    password_hash: await hasher.hash(password),
    created_at: (opts.runtime ?? systemRuntime).now(),
  };
  const existing = await findUserByName(db, username);
  if (existing) throw alreadyExists(username, existing.username);
  try {
    await insertUser(db, row);
  } catch (err) {
    // Lost a race with another `user add` of the same name (the unique index on lower(username)).
    const winner = await findUserByName(db, username);
    if (winner) throw alreadyExists(username, winner.username);
    throw err;
  }
  return { ...row, mfa_enabled: 0 };
}

function alreadyExists(wanted: string, existing: string): UserAdminError {
  if (wanted === existing) return new UserAdminError(`user ${wanted} already exists`, 5);
  return new UserAdminError(`user ${wanted} already exists (as ${JSON.stringify(existing)}; usernames are case-insensitive)`, 5);
}

/** All users, by name. */
export function allUsers(db: Db): Promise<UserRow[]> {
  return listUsers(db);
}

/** Removes a user's TOTP secret and recovery codes (lost authenticator). */
export async function resetMfa(db: Db, username: string): Promise<void> {
  const user = await findUserByName(db, username);
  if (!user) throw new UserAdminError(`no user named ${username}`, 4);
  await db.transaction(async (tx) => {
    await deleteTotp(tx, user.id);
    await deleteRecoveryCodes(tx, user.id);
  });
}
