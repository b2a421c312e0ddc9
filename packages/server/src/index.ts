// Public surface of @fitsync/server for other packages and later areas (Garmin linking, sync).
export { authOf, type AppDeps } from './app-deps.js';
export { type BuildAppOptions, buildApp } from './app.js';
export { type Config, ConfigError, type ConfigFlags, loadConfig } from './config.js';
export { base32Decode, base32Encode } from './crypto/base32.js';
export { hashToken } from './crypto/hash-token.js';
export { argon2Hasher, type PasswordHasher, PRODUCTION_ARGON2 } from './crypto/password-hasher.js';
export { deriveKey, SecretBox } from './crypto/secret-box.js';
export { loadServerKey } from './crypto/server-key.js';
export { totp, totpCode, totpStep } from './crypto/totp.js';
export type { Db, Dialect, Queryable, SqlValue } from './db/db.js';
export { migrate } from './db/migrate.js';
export { MIGRATIONS, type Migration } from './db/migrations.js';
export { openDatabase } from './db/open-database.js';
export { ApiError, invalidToken, tooManyAttempts } from './http/api-error.js';
export { NoContent, ProblemRef, problems } from './http/schemas.js';
export { main } from './main.js';
export { type Counter, Metrics } from './metrics.js';
export { SyncWorkerPool, type SyncWorkerPoolDeps } from './jobs/sync-worker-pool.js';
export type { BlobStore, ByteSource, FitBlobs, UploadBlobs } from './blobs/blob-store.js';
export { DbBlobStore } from './blobs/db-blob-store.js';
export { FsBlobStore } from './blobs/fs-blob-store.js';
export { openBlobStore } from './blobs/open-blob-store.js';
export type { SyncGarminSource } from './sync/garmin-source.js';
export { toSyncJob } from './sync/job-view.js';
export { SyncJobService, type SyncJobServiceDeps } from './services/sync-job-service.js';
export { cryptoRandom, newId, type Random } from './random.js';
export {
  type GarminConnectionServiceDeps,
  GarminConnectionService,
  type GarminLog,
} from './services/garmin-connection-service.js';
export { garminRateLimited, garminSignInProblem } from './services/garmin-problem.js';
export type { AuthContext } from './services/token-service.js';
export { allUsers, createUser, resetMfa, UserAdminError } from './services/user-admin.js';
export { createPgSchema, DEFAULT_TEST_PG_URL, type PgSchema } from './testing/pg-schema.js';
export { startTestServer, type TestServer, type TestServerOptions } from './testing/test-server.js';
