/**
 * `@fitsync/garmin` — the Garmin Connect client used by the FitSync server:
 * sign-in (mobile JSON API, classic widget fallback) with Garmin's MFA as a
 * serialisable pause, DI OAuth2 tokens with rotation, and the data endpoints
 * the sync reads. See /shared/spec/garmin-protocol.md.
 */
export {
  type GarminDeviceLastUsed,
  type GarminPersonalInformation,
  parseDeviceLastUsed,
  parsePersonalInformation,
} from './account.js';
export { CookieJar, type SerializedCookieJar, type StoredCookie } from './cookie-jar.js';
export {
  DI_CLIENT_IDS,
  decodeJwtPayload,
  exchangeServiceTicket,
  type GarminTokens,
  parseGarminTokens,
  refreshDiTokens,
  SERVICE_TICKET_GRANT,
} from './di-oauth.js';
export { GARMIN_DEFAULT_ENDPOINTS, type GarminEndpoints, garminEndpointsFromEnv, resolveEndpoints } from './endpoints.js';
export {
  GarminAccountLockedError,
  GarminCaptchaRequiredError,
  GarminCloudflareBlockedError,
  GarminError,
  type GarminErrorCode,
  GarminInputError,
  GarminInvalidCredentialsError,
  GarminMfaExpiredError,
  GarminMfaInvalidError,
  GarminNetworkError,
  GarminNotFoundError,
  GarminRateLimitedError,
  GarminTokenInvalidError,
  GarminUnavailableError,
  GarminUnexpectedAnswerError,
  type NetworkFailureKind,
} from './errors.js';
export { GARMIN_ROUTE_TEMPLATES, garminRouteOf } from './endpoint-label.js';
export { parseExactJson } from './exact-json.js';
export type {
  GarminGear,
  GarminGearStats,
  GarminPersonalRecord,
} from './gear.js';
export {
  GarminApi,
  type GarminApiOptions,
  type GarminCallOptions,
  isGarminError,
  type ListActivitiesOptions,
} from './garmin-api.js';
export { GarminAuth, type GarminAuthOptions, type GarminLoginResult, type SignInStrategyName } from './garmin-auth.js';
export {
  type ClassicPendingParams,
  type GarminPendingLogin,
  type MobilePendingParams,
  parsePendingLogin,
} from './pending.js';
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry-policy.js';
export type {
  GarminActivityBase,
  GarminActivityDetail,
  GarminActivitySummary,
  GarminSocialProfile,
  GarminWorkout,
} from './shapes.js';
export { garminGmtToIso } from './shapes.js';
export { GCM_ANDROID, GCM_IOS, type MobileClient } from './sign-in-mobile.js';
export {
  type HttpClient,
  type HttpRequest,
  type HttpResponse,
  MOBILE_APP_USER_AGENT,
  MOBILE_BROWSER_USER_AGENT,
  Transport,
  type TransportOptions,
} from './transport.js';
export {
  crc32,
  extractFitFromZip,
  MAX_UNZIPPED_BYTES,
  type ReadZipOptions,
  readZip,
  type WriteZipOptions,
  writeZip,
  type ZipEntry,
  ZipFormatError,
  ZipTooLargeError,
} from './zip.js';
export {
  GARTH_CONSUMER_URL,
  GARTH_EXCHANGE_AUDIENCE,
  type GarthImportOptions,
  type GarthOAuth1Token,
  importGarthToken,
  type OAuth1Consumer,
  oauth1Header,
  oauthPercentEncode,
  parseGarthToken,
  readGarthTokenDir,
} from './garth-import.js';
export * from './health.js';
export { PR_TYPES, prType } from './personal-records.js';
