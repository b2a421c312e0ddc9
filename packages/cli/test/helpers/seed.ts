import type { StoredCredentials } from '../../src/credentials/store.js';
import { CredentialStore } from '../../src/credentials/store.js';
import { systemRuntime } from '@fitsync/runtime';
import { Secret } from '../../src/secret.js';

/** Stored credentials for tests; times relative to `now`. */
export function creds(server: string, now: number, over: Partial<StoredCredentials> = {}): StoredCredentials {
  return {
    server,
    username: 'ada',
    userId: 'u1',
    sessionId: 'sess-1',
    mfaVerified: false,
    accessToken: new Secret('acc-old'),
    accessIssuedAt: now - 100_000,
    accessExpiresAt: now + 800_000,
    refreshToken: new Secret('ref-old'),
    refreshExpiresAt: now + 86_400_000,
    ...over,
  };
}

export async function seed(configDir: string, c: StoredCredentials, profile = 'default'): Promise<void> {
  await new CredentialStore(configDir, systemRuntime).write(profile, c);
}

export async function stored(configDir: string, profile = 'default'): Promise<StoredCredentials | undefined> {
  return new CredentialStore(configDir, systemRuntime).read(profile);
}
