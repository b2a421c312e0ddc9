import type { Queryable } from '../db/db.js';

export interface UserRow {
  id: string;
  username: string;
  password_hash: string;
  created_at: number;
  mfa_enabled: number;
}

const SELECT = `SELECT u.id, u.username, u.password_hash, u.created_at,
  CASE WHEN t.confirmed_at IS NULL THEN 0 ELSE 1 END AS mfa_enabled
  FROM users u LEFT JOIN totp_credentials t ON t.user_id = u.id`;

export async function insertUser(q: Queryable, row: Omit<UserRow, 'mfa_enabled'>): Promise<void> {
  await q.run('INSERT INTO users (id, username, password_hash, created_at) VALUES (?, ?, ?, ?)', [
    row.id,
    row.username,
    row.password_hash,
    row.created_at,
  ]);
}

/** The user whose name equals `username` ignoring case (names are unique that way, migration 25). */
export function findUserByName(q: Queryable, username: string): Promise<UserRow | undefined> {
  return q.get<UserRow>(`${SELECT} WHERE lower(u.username) = lower(?)`, [username]);
}

export function findUserById(q: Queryable, id: string): Promise<UserRow | undefined> {
  return q.get<UserRow>(`${SELECT} WHERE u.id = ?`, [id]);
}

export function listUsers(q: Queryable): Promise<UserRow[]> {
  return q.all<UserRow>(`${SELECT} ORDER BY u.username`);
}

/** What `GET /v1/me` shows: the user and the state of their Garmin link, in one read. */
export interface MeRow {
  id: string;
  username: string;
  created_at: number;
  mfa_enabled: number;
  /** null: no Garmin link. */
  garmin_status: string | null;
  reauth_required_at: number | null;
}

export function findMe(q: Queryable, id: string): Promise<MeRow | undefined> {
  return q.get<MeRow>(
    `SELECT u.id, u.username, u.created_at, CASE WHEN t.confirmed_at IS NULL THEN 0 ELSE 1 END AS mfa_enabled,
       g.status AS garmin_status, g.reauth_required_at
     FROM users u LEFT JOIN totp_credentials t ON t.user_id = u.id LEFT JOIN garmin_connections g ON g.user_id = u.id
     WHERE u.id = ?`,
    [id],
  );
}
