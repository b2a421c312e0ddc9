import type { Queryable } from '../db/db.js';

/** One kind of row the purger removes: its table, primary key and the condition that marks a row dead. */
export interface PurgeRule {
  /** The `kind` label of fitsync_purged_rows_total. */
  kind: string;
  table: string;
  /** A single-column primary key: batches delete `WHERE pk IN (SELECT pk … LIMIT n)`. */
  pk: string;
  /** SQL condition over the table's columns (aliased `t`) with `?` placeholders. */
  where: string;
  params: readonly number[];
}

/** The clock and settings the rules are computed from. */
export interface PurgeClock {
  now: number;
  accessTtlMs: number;
  refreshTtlMs: number;
  /** FITSYNC_AUTH_WINDOW_S in ms: a throttle row's window lasts this long. */
  throttleWindowMs: number;
}

/** A Garmin sign-in back-off is forgotten this long after it ended (its escalation level with it). */
export const BACKOFF_FORGET_MS = 86_400_000;
/** A consumed Garmin challenge is kept this long: the request that consumed it may still be linking. */
const CONSUMED_GRACE_MS = 10 * 60_000;

/**
 * What is dead, kind by kind (product.md Part 2 §F "Retention"; docs/operations.md lists the rules).
 *
 * Refresh tokens: a token is removed only once it is past its own expiry. Until then a spent token
 * presented again revokes its session (RFC 9700 §4.14.2 reuse detection, services/token-service.ts);
 * after its expiry it can no longer be spent by anyone, so a stolen copy is worthless and presenting
 * it is an ordinary invalid_grant. Tokens are kept the access-token lifetime past their expiry, so a
 * session keeps a token until every access token issued with one has expired. Sessions go when
 * revoked longer than the refresh lifetime ago (cascading to their tokens), or when they are older
 * than the refresh lifetime and have no token left.
 */
export function authRules(c: PurgeClock): PurgeRule[] {
  const { now } = c;
  return [
    { kind: 'mfa_challenges', table: 'mfa_challenges', pk: 'id', where: 't.expires_at <= ? OR t.consumed_at IS NOT NULL', params: [now] },
    {
      kind: 'garmin_challenges',
      table: 'garmin_mfa_challenges',
      pk: 'id',
      where: 't.expires_at <= ? OR t.consumed_at <= ?',
      params: [now, now - CONSUMED_GRACE_MS],
    },
    {
      kind: 'refresh_tokens',
      table: 'refresh_tokens',
      pk: 'token_hash',
      where: 't.expires_at <= ?',
      // A session's newest token stays for the access lifetime past its expiry: it keeps the session
      // (and so the access tokens issued with it) until those have expired too.
      params: [now - c.accessTtlMs],
    },
    {
      // Browser sessions' cookies past their Max-Age (their sessions then go by the rule below: no
      // refresh token, older than the refresh lifetime, which is the cookie's lifetime).
      kind: 'web_sessions',
      table: 'web_sessions',
      pk: 'secret_hash',
      where: 't.expires_at <= ?',
      params: [now],
    },
    {
      kind: 'sessions',
      table: 'sessions',
      pk: 'id',
      // created_at: a session younger than the refresh lifetime may be between its insert and its
      // first token's (openSession outside a transaction).
      where: `(t.revoked_at IS NOT NULL AND t.revoked_at <= ?)
        OR (t.created_at <= ? AND NOT EXISTS (SELECT 1 FROM refresh_tokens r WHERE r.session_id = t.id))`,
      params: [now - c.refreshTtlMs, now - c.refreshTtlMs],
    },
    {
      // The same test reserveAttempt uses for "this window is over" (a stale window starts afresh, pending with it).
      kind: 'auth_throttle',
      table: 'auth_throttle',
      pk: 'scope_key',
      where: 't.window_start <= ? AND t.locked_until <= ?',
      params: [now - c.throttleWindowMs, now],
    },
    {
      kind: 'garmin_signin_backoffs',
      table: 'garmin_signin_backoffs',
      pk: 'account_key',
      where: 't.until_ms <= ?',
      params: [now - BACKOFF_FORGET_MS],
    },
    {
      // Rows that remember the user's Garmin account stay (one per user); only bare, ended cool-downs go.
      kind: 'garmin_signin_cooldowns',
      table: 'garmin_signin_cooldowns',
      pk: 'user_id',
      where: 't.until_ms <= ? AND t.account_key IS NULL',
      params: [now],
    },
  ];
}

/** Deletes up to `limit` rows matching the rule; returns how many. */
export async function purgeBatch(q: Queryable, r: PurgeRule, limit: number): Promise<number> {
  const res = await q.run(
    `DELETE FROM ${r.table} WHERE ${r.pk} IN (SELECT t.${r.pk} FROM ${r.table} t WHERE ${r.where} LIMIT ${Math.floor(limit)})`,
    r.params,
  );
  return res.changes;
}
