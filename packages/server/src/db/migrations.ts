import type { Dialect } from './db.js';

/** One schema change. `sql` statements run in order inside the migration transaction. */
export interface Migration {
  version: number;
  name: string;
  sql: readonly string[] | ((dialect: Dialect) => readonly string[]);
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
];
