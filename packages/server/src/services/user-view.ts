import type { User } from '@fitsync/api';
import type { UserRow } from '../repositories/users.js';

/** The API view of a user row. */
export function toApiUser(u: Pick<UserRow, 'id' | 'username' | 'mfa_enabled' | 'created_at'>): User {
  return {
    user_id: u.id,
    username: u.username,
    mfa_enabled: Number(u.mfa_enabled) === 1,
    created_at: new Date(Number(u.created_at)).toISOString(),
  };
}
