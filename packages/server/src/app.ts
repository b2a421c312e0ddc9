import { readFileSync } from 'node:fs';
import { Problem } from '@fitsync/api';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type HookHandlerDoneFunction } from 'fastify';
import type { AppDeps } from './app-deps.js';
import { type Runtime, systemRuntime } from '@fitsync/runtime';
import type { Config, LogLevel } from './config.js';
import type { LogDestination } from './log-lines.js';
import { argon2Hasher, type PasswordHasher } from './crypto/password-hasher.js';
import { deriveKey, SecretBox } from './crypto/secret-box.js';
import type { Db } from './db/db.js';
import { addContractFormats } from './http/contract-formats.js';
import { ApiError } from './http/api-error.js';
import { clientErrorHandler, frameworkErrors, installErrorHandling } from './http/error-handler.js';
import { installInputGuard } from './http/input-guard.js';
import { pathOf } from './http/path-of.js';
import { RequestLog } from './http/request-log.js';
import { authMetrics, httpRequestCounter, Metrics } from './metrics.js';
import { cryptoRandom, type Random } from './random.js';
import { authRoutes } from './routes/auth-routes.js';
import { deviceRoutes } from './routes/device-routes.js';
import { DeviceAuthService } from './services/device-auth-service.js';
import { docsRoutes } from './routes/docs-routes.js';
import { garminRoutes } from './routes/garmin-routes.js';
import { meRoutes } from './routes/me-routes.js';
import { mfaRoutes } from './routes/mfa-routes.js';
import { opsRoutes } from './routes/ops-routes.js';
import { dataRoutes } from './routes/data-routes.js';
import { gearRoutes } from './routes/gear-routes.js';
import { exportRoutes } from './routes/export-routes.js';
import { ActivityExporter } from './export/activity-exporter.js';
import { DecodeBacklog } from './activities/decode-backlog.js';
import { ActivityStore } from './activities/activity-store.js';
import { syncRoutes } from './routes/sync-routes.js';
import { importRoutes } from './routes/import-routes.js';
import { ImportService } from './imports/import-service.js';
import { Purger } from './retention/purger.js';
import { scheduleRoutes } from './routes/schedule-routes.js';
import { SyncScheduler } from './schedule/sync-scheduler.js';
import { SyncScheduleService } from './services/sync-schedule-service.js';
import { openEventBus } from './events/open-event-bus.js';
import { SyncWorkerPool } from './jobs/sync-worker-pool.js';
import { openBlobStore } from './blobs/open-blob-store.js';
import { BlobCollector } from './blobs/blob-collector.js';
import { FitDecodePool } from './activities/decode-pool.js';
import { checkKindsContract } from './sync/kinds/check-kinds-contract.js';
import { DataService } from './services/data-service.js';
import { GearService } from './services/gear-service.js';
import { SyncJobService } from './services/sync-job-service.js';
import { AuthService } from './services/auth-service.js';
import { GarminConnectionService } from './services/garmin-connection-service.js';
import { GarminTokenKeeper } from './services/garmin-token-keeper.js';
import { MfaService } from './services/mfa-service.js';
import { ThrottleService } from './services/throttle-service.js';
import { type AuthContext, TokenService } from './services/token-service.js';
import { webSessionRoutes } from './routes/web-session-routes.js';
import { authenticateCookie } from './web/web-auth.js';
import { webApp } from './web/web-app.js';
import { installSecurityHeaders } from './web/security-headers.js';
import { WebSessions } from './web/web-sessions.js';

export interface BuildAppOptions {
  config: Config;
  /** An open, migrated database; the caller owns it (closes it after `app.close()`). */
  db: Db;
  /** The server key (FITSYNC_SECRET_KEY or the key file); subkeys are derived with HKDF. */
  serverKey: Uint8Array;
  /** Time (default the system's); tests pass a FakeRuntime. */
  runtime?: Runtime;
  /** Crypto randomness for ids and secrets (not Runtime.random, which is seedable and only for jitter). */
  random?: Random;
  /** Password hasher; defaults to argon2id with the production cost. */
  hasher?: PasswordHasher;
  /** Where JSON log lines go (default stderr; `fitsync-server start` passes LogLines) and at which level (default config.logLevel). */
  log?: { stream?: LogDestination; level?: LogLevel };
}

/**
 * Builds the FitSync API as a fastify instance (not listening). Plugins load in order:
 * shared schemas and OpenAPI, error handling, request metrics, auth guard, then one plugin
 * per area. Later areas (Garmin linking, sync) register their own plugin the same way and
 * reach shared services through `app.deps`.
 */
export async function buildApp(opts: BuildAppOptions): Promise<FastifyInstance> {
  const { config, db } = opts;
  const runtime = opts.runtime ?? systemRuntime;
  const random = opts.random ?? cryptoRandom;
  const hasher = opts.hasher ?? argon2Hasher();
  // Slow clients (slowloris, trickled bodies) are cut off: Node checks these two while a request is
  // still arriving, and only then, so long responses such as event streams are never cut.
  const { headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs } = config.http;
  const serverTimeouts = {
    headersTimeout: headersTimeoutMs,
    requestTimeout: requestTimeoutMs,
    // How often Node looks for expired requests (its default, 30 s, would triple a 10 s limit).
    connectionsCheckingInterval: Math.min(1000, Math.max(50, Math.floor(headersTimeoutMs / 4))),
  };
  const https = config.tlsCert && config.tlsKey
    ? { cert: readFileSync(config.tlsCert), key: readFileSync(config.tlsKey), ...serverTimeouts }
    : null;

  const app = Fastify({
    ...(https ? { https } : { http: serverTimeouts }),
    requestTimeout: requestTimeoutMs,
    keepAliveTimeout: keepAliveTimeoutMs,
    logger: {
      level: opts.log?.level ?? config.logLevel,
      stream: opts.log?.stream ?? process.stderr,
      // Tokens travel in this header; bodies and query strings are never logged at all.
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'req.headers["x-csrf-token"]',
          'res.headers["set-cookie"]',
          'headers.authorization',
          'headers.cookie',
          'headers["set-cookie"]',
        ],
        censor: '[redacted]',
      },
      // fastify's default request serializer logs the full URL; query strings carry cursors and
      // whatever a client put there by mistake, so only the path is logged.
      serializers: {
        req: (req: FastifyRequest) => ({
          method: req.method,
          url: pathOf(req.url),
          host: req.host,
          remoteAddress: req.ip,
          remotePort: req.socket?.remotePort,
        }),
      },
    },
    logController: new RequestLog(),
    ajv: { customOptions: { removeAdditional: false, allErrors: false }, onCreate: addContractFormats },
    bodyLimit: 1024 * 1024,
    frameworkErrors,
    clientErrorHandler,
    return503OnClosing: true,
    // FITSYNC_TRUST_PROXY: request.ip is the X-Forwarded-For client only behind a listed proxy.
    trustProxy: config.trustProxy ?? false,
  }) as unknown as FastifyInstance;

  const metrics = new Metrics();
  const am = authMetrics(metrics);
  // Job changes and session revocations reach event streams through this bus (no polling).
  const events = await openEventBus(db, config.databaseUrl, { log: app.log, metrics });
  const secretBox = new SecretBox(opts.serverKey);
  const jwtKey = deriveKey(opts.serverKey, 'fitsync access-token v1');
  const throttle = new ThrottleService({ db, runtime, auth: config.auth, metrics: am });
  const tokens = new TokenService({
    db,
    runtime,
    random,
    jwtKey,
    accessTtlS: config.accessTokenTtlS,
    refreshTtlS: config.refreshTokenTtlS,
    metrics: am,
    events,
  });
  const webSessions = new WebSessions({
    db,
    runtime,
    random,
    csrfKey: deriveKey(opts.serverKey, 'fitsync csrf v1'),
    ttlS: config.refreshTokenTtlS,
    tokens,
    events,
  });
  const mfa = new MfaService({ db, runtime, random, secretBox, throttle, metrics: am, events });
  const auth = new AuthService({ db, runtime, random, hasher, throttle, tokens, mfa, auth: config.auth, metrics: am, events });
  // A data kind the API contract does not know (or the reverse) must stop the server, not reach clients.
  checkKindsContract();
  const afterGarminRefresh = config.garminTokens.crashAfterRefresh ? crashAfterGarminRefresh(app.log) : undefined;
  const garmin = new GarminConnectionService({
    db,
    runtime,
    events,
    random,
    secretBox,
    metrics,
    throttle,
    endpoints: config.garmin,
    retry: config.sync.garminRetry,
    log: app.log,
    // Declared below: the pool needs this service, and disconnects stop the pool's jobs.
    onSyncJobsCancelled: (userId) => syncWorkers.stopUserJobs(userId),
    // A new link gets the server's default schedule; failing to store it must not fail the link.
    onLinked: (userId) =>
      schedules.applyDefault(userId).catch((err: unknown) => {
        app.log.error({ userId, errType: (err as Error)?.name }, 'could not set the default sync schedule');
      }),
    ...(afterGarminRefresh ? { afterGarminRefresh } : {}),
  });
  const garminKeeper = new GarminTokenKeeper({
    db,
    runtime,
    secretBox,
    metrics,
    endpoints: config.garmin,
    log: app.log,
    intervalMs: config.garminTokens.checkIntervalMs,
    markReauth: (userId, version) => garmin.markReauthRequired(userId, version),
    ...(afterGarminRefresh ? { afterGarminRefresh } : {}),
  });
  const blobs = openBlobStore(config.blobs.store, { db, dataDir: config.dataDir, now: () => runtime.now() });
  const blobCollector = new BlobCollector({
    db,
    blobs,
    dataDir: config.dataDir,
    runtime,
    metrics,
    everyMs: config.blobs.gcEveryMs,
    graceMs: config.blobs.gcGraceMs,
    log: app.log,
  });
  const fitStore = blobs.fit;
  const decoder = new FitDecodePool(config.sync.decodeThreads, (err) => app.log.error({ err }, 'a FIT decode thread died; its file got a decode_error'));
  // An import stores FIT files undecoded; this decodes them after its job (ActivityStore meanwhile on demand).
  const decodeBacklog = new DecodeBacklog({ db, fitStore, decoder, log: app.log });
  const syncWorkers = new SyncWorkerPool({
    db,
    runtime,
    events,
    config: config.sync,
    blobs,
    decoder,
    garmin,
    dataDir: config.dataDir,
    onImportEnded: (userId) => decodeBacklog.request(userId),
    importBatchFiles: config.imports.batchFiles,
    log: app.log,
    metrics,
    paceKey: (displayName) => secretBox.keyedHash(displayName, 'garmin-pace'),
  });
  const syncJobs = new SyncJobService({
    db,
    runtime,
    random,
    events,
    garmin,
    maxJobsPerHour: config.sync.maxJobsPerHour,
    onCreated: () => syncWorkers.notify(),
  });
  const scheduler = new SyncScheduler({ db, runtime, jobs: syncJobs, log: app.log });
  const schedules = new SyncScheduleService({
    db,
    runtime,
    config: config.schedule,
    onChanged: () => scheduler.notify(),
    log: app.log,
  });
  const imports = new ImportService({ db, runtime, random, blobs, dataDir: config.dataDir, maxBytes: config.imports.maxBytes, jobs: syncJobs });
  const data = new DataService({ db });
  const purger = new Purger({
    db,
    runtime,
    metrics,
    log: app.log,
    everyMs: config.retention.purgeEveryMs,
    jobRetentionMs: config.retention.jobRetentionMs,
    accessTtlMs: config.accessTokenTtlS * 1000,
    refreshTtlMs: config.refreshTokenTtlS * 1000,
    throttleWindowMs: config.auth.windowS * 1000,
  });
  const activities = new ActivityStore({ db, fitStore, decoder });
  const deps: AppDeps = {
    config,
    db,
    runtime,
    random,
    hasher,
    secretBox,
    metrics,
    authMetrics: am,
    tokens,
    webSessions,
    throttle,
    mfa,
    auth,
    garmin,
    blobs,
    blobCollector,
    decoder,
    decodeBacklog,
    events,
    data,
    activities,
    syncJobs,
    imports,
    syncWorkers,
    schedules,
    scheduler,
    garminKeeper,
    purger,
  };

  app.decorate('deps', deps);
  app.decorateRequest('auth', null);
  // A callback hook: a token whose session is cached is checked with no promise at all (issue 13).
  app.decorate('requireAuth', (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) => {
    const header = request.headers.authorization;
    // No Authorization header: the browser's session cookie (with its CSRF rules); a bearer token wins.
    if (header === undefined) {
      authenticated(request, authenticateCookie(request, webSessions), done);
      return;
    }
    const m = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!m) {
      done(
        new ApiError(401, 'invalid_token', 'Sign in first: no bearer token was presented.', {}, {
          'www-authenticate': 'Bearer error="invalid_token"',
        }),
      );
      return;
    }
    const token = m[1]!;
    let auth: AuthContext | undefined;
    try {
      auth = tokens.authenticateCached(token);
    } catch (err) {
      done(err as Error);
      return;
    }
    if (auth) {
      request.auth = auth;
      done();
    } else authenticated(request, tokens.authenticate(token), done);
  });

  app.addSchema(Problem);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'FitSync API', version: '0.1.0', description: 'Self-hosted Garmin Connect sync.' },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          // `__Host-fitsync_session` under TLS; state changes also need X-CSRF-Token (docs/web.md).
          cookie: { type: 'apiKey', in: 'cookie', name: 'fitsync_session' },
        },
      },
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });

  installSecurityHeaders(app);
  installErrorHandling(app);
  installInputGuard(app);
  // A callback hook, not an async one: no promise per request.
  const countRequest = httpRequestCounter(am.httpRequests);
  app.addHook('onResponse', (request, reply, done) => {
    countRequest(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode);
    done();
  });

  await app.register(opsRoutes);
  await app.register(docsRoutes);
  await app.register(authRoutes);
  await app.register(deviceRoutes, {
    devices: new DeviceAuthService({ db, runtime, random, tokens, throttle, device: config.device, maxCodesPerIp: config.auth.maxFailuresPerIp }),
  });
  await app.register(meRoutes);
  await app.register(mfaRoutes);
  await app.register(garminRoutes);
  await app.register(syncRoutes, { jobs: syncJobs });
  await app.register(scheduleRoutes, { schedules });
  await app.register(importRoutes, { imports });
  await app.register(dataRoutes, { fitStore, data, activities });
  await app.register(gearRoutes, { gear: new GearService({ db }) });
  await app.register(exportRoutes, { exporter: new ActivityExporter({ reader: activities, data, fitStore }) });
  await app.register(webSessionRoutes);
  // The web app's files (docs/web.md "Serving"), last: its routes are the pages and /assets/.
  await app.register(webApp, { dir: config.webDir });
  // Sync workers live with the server: they start once it is ready (FITSYNC_WORKERS of them) and
  // on close hand their running jobs back, so the next start resumes them at once. The Garmin token
  // keeper runs alongside (FITSYNC_GARMIN_TOKEN_CHECK_S).
  app.addHook('onReady', async () => {
    syncWorkers.start();
    garminKeeper.start();
  });
  app.addHook('onClose', async () => {
    // The scheduler and the purger run only under `fitsync-server start` (runStart); stopping an idle one is a no-op.
    await scheduler.stop();
    await blobCollector.stop();
    await purger.stop();
    await garminKeeper.stop();
    await syncWorkers.stop();
    await decodeBacklog.stop();
    // After the jobs and the backlog: none of them waits on a decode any more.
    await decoder.close();
    await blobs.close();
    await events.close();
  });
  return app;
}

/** Sets `request.auth` when `check` resolves and lets the request go on; a rejection is its error answer. */
function authenticated(request: FastifyRequest, check: Promise<AuthContext>, done: HookHandlerDoneFunction): void {
  check.then(
    (auth) => {
      request.auth = auth;
      done();
    },
    (err: Error) => done(err),
  );
}

/**
 * The FITSYNC_TEST_CRASH_AFTER_GARMIN_REFRESH seam (tests only): SIGKILL this process right after
 * Garmin answered a token refresh, before the rotated pair is stored — the worst moment to die,
 * which the kill -9 test reproduces with the built server.
 */
function crashAfterGarminRefresh(log: { warn(msg: string): void }): () => void {
  log.warn('FITSYNC_TEST_CRASH_AFTER_GARMIN_REFRESH=1: this server kills itself after the first Garmin token refresh (a test seam)');
  return () => {
    process.kill(process.pid, 'SIGKILL');
  };
}

