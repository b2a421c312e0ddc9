/**
 * The authenticated Garmin Connect data client used by the sync. Owns the
 * token lifecycle (refresh ahead of expiry and once after a 401, rotated
 * refresh tokens handed to `onTokens` at once) and the politeness rules for
 * data calls (bounded retries with backoff and jitter, Retry-After honoured up
 * to a cap) from garmin-protocol.md, "Errors and politeness".
 */
import { type GarminDeviceLastUsed, type GarminPersonalInformation, parseDeviceLastUsed, parsePersonalInformation } from './account.js';
import { abortError, type Runtime, systemRuntime } from '@fitsync/runtime';
import { type GarminTokens, parseGarminTokens, refreshDiTokens } from './di-oauth.js';
import { type GarminEndpoints, resolveEndpoints } from './endpoints.js';
import {
  GarminCloudflareBlockedError,
  GarminError,
  GarminInputError,
  GarminNetworkError,
  GarminNotFoundError,
  GarminRateLimitedError,
  GarminTokenInvalidError,
  GarminUnavailableError,
  GarminUnexpectedAnswerError,
} from './errors.js';
import { parseExactJson } from './exact-json.js';
import {
  GEAR_UUID,
  type GarminGear,
  type GarminGearStats,
  type GarminPersonalRecord,
  parseGearList,
  parseGearStats,
  parsePersonalRecords,
} from './gear.js';
import { type HealthParams, type HealthSource, healthRequest } from './health.js';
import {
  parseDailyHeartRate,
  parseDailyRespiration,
  parseDailySleep,
  parseDailySpo2,
  parseDailyStress,
  parseDailySummary,
  parseStepsChart,
  parseTrainingReadiness,
} from './health-daily.js';
import { parseHrv, parseHrvRange, parseHydrationRange, parseMaxMetRange, parseWeightRange } from './health-range.js';
import type {
  GarminDailyHeartRate,
  GarminDailyRespiration,
  GarminDailySleep,
  GarminDailySpo2,
  GarminDailyStress,
  GarminDailySummary,
  GarminHrv,
  GarminHrvRange,
  GarminHydrationRange,
  GarminMaxMetRange,
  GarminStepsChart,
  GarminTrainingReadiness,
  GarminWeightRange,
} from './health-shapes.js';
import { backoffDelayMs, DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry-policy.js';
import {
  type GarminActivityDetail,
  type GarminActivitySummary,
  type GarminSocialProfile,
  type GarminWorkout,
  parseActivityCount,
  parseActivityDetail,
  parseActivityList,
  parseSocialProfile,
  parseWorkout,
  parseWorkoutList,
} from './shapes.js';
import { describeAnswer, type HttpClient, type HttpResponse, mediaType, retryAfterSeconds, Transport } from './transport.js';
import { garminRouteOf } from './endpoint-label.js';
import { extractFitFromZip, ZipFormatError, ZipTooLargeError } from './zip.js';

/** Options of {@link GarminApi}. */
export interface GarminApiOptions {
  /** Tokens from `GarminAuth.login`/`resumeLogin` or storage. */
  tokens: GarminTokens;
  /**
   * Called with new tokens after every refresh, before they are used; persist
   * them at once (Garmin rotates refresh tokens: the old one is spent).
   */
  onTokens?: (tokens: GarminTokens) => void | Promise<void>;
  /** Base URLs (default Garmin's hosts). */
  endpoints?: Partial<GarminEndpoints>;
  /** HTTP client (default a new {@link Transport}). */
  http?: HttpClient;
  /** Clock/sleep/random (default the system's); retries and backoff wait on its `sleep`. */
  runtime?: Runtime;
  /** Retry settings for data calls. */
  retry?: Partial<RetryPolicy>;
  /**
   * Refresh when the access token expires within this margin (default 15 min).
   * For short-lived tokens the margin shrinks to a quarter of their lifetime.
   */
  refreshMarginMs?: number;
  /**
   * Called once when Garmin refused a refresh made *ahead* of expiry while the access token is
   * still valid (the refresh token was spent elsewhere, e.g. by a process that died before storing
   * the rotated pair). The client goes on with the access token until it expires — then the
   * refused refresh is final (GarminTokenInvalidError) — so the caller can report "sign in again"
   * at once while the data calls still work. Without it, the refusal is thrown at once.
   */
  onRefreshLost?: () => void | Promise<void>;
  /**
   * Told of every HTTP attempt of a data call (retries are attempts too): the route template
   * ({@link garminRouteOf}: no ids, dates or names) and Garmin's status, or `error` when no answer
   * came (network failure, timeout). For metrics; it must not throw.
   */
  onCall?: (endpoint: string, status: number | 'error') => void;
}

/** Per-call options of every data method. */
export interface GarminCallOptions {
  /**
   * Cancels the call: the HTTP request in flight is destroyed (its socket closed), a backoff
   * wait ends, and the call rejects at once with an AbortError; it is never retried.
   */
  signal?: AbortSignal;
}

/** Options of {@link GarminApi.listActivities}. */
export interface ListActivitiesOptions extends GarminCallOptions {
  /** Offset into the newest-first list (default 0). */
  start?: number;
  /** Page size (default 20, max 1000). */
  limit?: number;
  /** Only activities on or after this local date (YYYY-MM-DD). */
  startDate?: string;
  /** Only activities on or before this local date (YYYY-MM-DD). */
  endDate?: string;
}

/** Thrown inside a call when the body is cut or corrupt: retried like a reset. */
class BodyCorruptError extends Error {}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function checkDate(v: string, what: string): string {
  if (typeof v !== 'string' || !DATE.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`))) {
    throw new GarminInputError(`${what} must be a YYYY-MM-DD date`);
  }
  return v;
}

function checkId(v: string | number | bigint, what: string): string {
  const s = String(v);
  if (!/^\d{1,20}$/.test(s)) throw new GarminInputError(`${what} must be a decimal id`);
  if (typeof v === 'number' && !Number.isSafeInteger(v)) throw new GarminInputError(`${what} lost precision; pass it as a string`);
  return s;
}

function checkName(v: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > 200) throw new GarminInputError('displayName is required');
  return encodeURIComponent(v);
}

function checkCount(v: number | undefined, dflt: number, max: number, what: string): number {
  const n = v ?? dflt;
  if (!Number.isInteger(n) || n < 0 || n > max) throw new GarminInputError(`${what} must be an integer 0..${max}`);
  return n;
}

/** An answer the typed method needs; an empty one (204 or `null`) is unexpected there. */
function present<T>(v: T | null, what: string): T {
  if (v === null) throw new GarminUnexpectedAnswerError(`Garmin ${what}: empty answer`);
  return v;
}

/** Authenticated Garmin Connect data client. */
export class GarminApi {
  private current: GarminTokens;
  private refreshing: Promise<GarminTokens> | undefined;
  private readonly onTokens: GarminApiOptions['onTokens'];
  private readonly endpoints: GarminEndpoints;
  private readonly http: HttpClient;
  private readonly runtime: Runtime;
  private readonly retry: RetryPolicy;
  private readonly refreshMarginMs: number;
  private readonly onRefreshLost: GarminApiOptions['onRefreshLost'];
  private readonly onCall: GarminApiOptions['onCall'];
  /** Garmin refused our refresh token: no refresh ahead of expiry is tried again. */
  private refreshLost = false;

  constructor(opts: GarminApiOptions) {
    this.onRefreshLost = opts.onRefreshLost;
    this.onCall = opts.onCall;
    this.current = parseGarminTokens(opts.tokens);
    this.onTokens = opts.onTokens;
    this.endpoints = resolveEndpoints(opts.endpoints);
    this.http = opts.http ?? new Transport();
    this.runtime = opts.runtime ?? systemRuntime;
    this.retry = { ...DEFAULT_RETRY_POLICY, ...opts.retry };
    this.refreshMarginMs = opts.refreshMarginMs ?? 15 * 60_000;
  }

  /** The tokens in use now (after any refresh). */
  get tokens(): GarminTokens {
    return { ...this.current };
  }

  /** Checks the tokens work by reading the social profile; returns it. */
  async validate(opts?: GarminCallOptions): Promise<GarminSocialProfile> {
    return this.getSocialProfile(opts);
  }

  /** `GET /userprofile-service/socialProfile` — `displayName` is needed by wellness paths. */
  async getSocialProfile(opts?: GarminCallOptions): Promise<GarminSocialProfile> {
    return parseSocialProfile(await this.getJson('/userprofile-service/socialProfile', undefined, opts));
  }

  /**
   * `GET /userprofile-service/userprofile/personal-information/{displayName}`: the account's time
   * zone (`userInfo.timezone`). Unrecorded; see account.ts.
   */
  async getPersonalInformation(displayName: string, opts?: GarminCallOptions): Promise<GarminPersonalInformation> {
    const path = `/userprofile-service/userprofile/personal-information/${checkName(displayName)}`;
    return parsePersonalInformation(await this.getJson(path, undefined, opts));
  }

  /** `GET /device-service/deviceservice/mylastused`: when the account's device last uploaded. */
  async getDeviceLastUsed(opts?: GarminCallOptions): Promise<GarminDeviceLastUsed> {
    return parseDeviceLastUsed(await this.getJson('/device-service/deviceservice/mylastused', undefined, opts));
  }

  /** One page of activities, newest first. */
  async listActivities(opts: ListActivitiesOptions = {}): Promise<GarminActivitySummary[]> {
    const q: Record<string, string> = {
      limit: String(checkCount(opts.limit, 20, 1000, 'limit')),
      start: String(checkCount(opts.start, 0, 10_000_000, 'start')),
    };
    if (opts.startDate !== undefined) q.startDate = checkDate(opts.startDate, 'startDate');
    if (opts.endDate !== undefined) q.endDate = checkDate(opts.endDate, 'endDate');
    return parseActivityList(await this.getJson('/activitylist-service/activities/search/activities', q, opts));
  }

  /**
   * Every activity, newest first, paging with `pageSize` until Garmin answers
   * an empty page (garmin-protocol.md: "page until an empty page").
   */
  async *iterateActivities(
    opts: GarminCallOptions & { pageSize?: number; startDate?: string; endDate?: string } = {},
  ): AsyncGenerator<GarminActivitySummary> {
    const limit = checkCount(opts.pageSize, 100, 1000, 'pageSize') || 100;
    for (let start = 0; ; ) {
      const page = await this.listActivities({
        start,
        limit,
        startDate: opts.startDate,
        endDate: opts.endDate,
        signal: opts.signal,
      });
      if (page.length === 0) return;
      yield* page;
      start += page.length;
    }
  }

  /** `GET /activitylist-service/activities/count` → total number of activities. */
  async getActivityCount(opts?: GarminCallOptions): Promise<number> {
    return parseActivityCount(await this.getJson('/activitylist-service/activities/count', undefined, opts));
  }

  /** `GET /activity-service/activity/{id}` (detail DTOs). Id as a string keeps 64 bits exact. */
  async getActivity(activityId: string | number | bigint, opts?: GarminCallOptions): Promise<GarminActivityDetail> {
    return parseActivityDetail(
      await this.getJson(`/activity-service/activity/${checkId(activityId, 'activityId')}`, undefined, opts),
    );
  }

  /**
   * The original FIT file of an activity: downloads the zip from
   * `/download-service/files/activity/{id}` and returns the unzipped `.fit`
   * bytes (CRC-32 verified). A bare FIT answer is returned as is.
   */
  async downloadFit(activityId: string | number | bigint, opts?: GarminCallOptions): Promise<Buffer> {
    const id = checkId(activityId, 'activityId');
    const path = `/download-service/files/activity/${id}`;
    return this.call('GET', path, undefined, 'application/octet-stream, */*', opts, (res) => {
      if (res.status !== 200) throw new GarminUnexpectedAnswerError(`FIT download answered ${describeAnswer(res)}`);
      const body = res.body;
      if (body.length >= 12 && body.toString('latin1', 8, 12) === '.FIT') return body;
      if (mediaType(res).includes('html')) throw new GarminUnexpectedAnswerError(`FIT download answered ${describeAnswer(res)}`);
      try {
        return extractFitFromZip(body, id);
      } catch (err) {
        // A zip bomb is not a cut connection: asking again would only inflate it again.
        if (err instanceof ZipTooLargeError) throw new GarminUnexpectedAnswerError(`FIT download refused: ${err.message}`);
        if (err instanceof ZipFormatError) throw new BodyCorruptError(`download is not a valid zip (${err.message})`);
        throw err;
      }
    });
  }

  /** `GET /usersummary-service/usersummary/daily/{displayName}?calendarDate=`. */
  async getDailySummary(displayName: string, date: string, opts?: GarminCallOptions): Promise<GarminDailySummary> {
    return present(parseDailySummary(await this.getHealthAnswer('summary', { displayName, date }, opts)), 'daily summary');
  }

  /** `GET /wellness-service/wellness/dailyHeartRate/{displayName}?date=`. */
  async getDailyHeartRate(displayName: string, date: string, opts?: GarminCallOptions): Promise<GarminDailyHeartRate> {
    return present(parseDailyHeartRate(await this.getHealthAnswer('heart_rate', { displayName, date }, opts)), 'daily heart rate');
  }

  /** `GET /wellness-service/wellness/dailyStress/{date}`; null when Garmin has no data (body `null`). */
  async getDailyStress(date: string, opts?: GarminCallOptions): Promise<GarminDailyStress | null> {
    return parseDailyStress(await this.getHealthAnswer('stress', { date }, opts));
  }

  /**
   * Sleep of the night ending on `date`; null when none. Uses the recorded
   * path `/sleep-service/sleep/dailySleepData?date=` (the recording wins over
   * the table in garmin-protocol.md); `displayName` is checked but not sent.
   */
  async getDailySleep(displayName: string, date: string, opts?: GarminCallOptions): Promise<GarminDailySleep | null> {
    checkName(displayName);
    return parseDailySleep(await this.getHealthAnswer('sleep', { date }, opts));
  }

  /** `GET /wellness-service/wellness/daily/respiration/{date}`; null when the day has no value. */
  async getDailyRespiration(date: string, opts?: GarminCallOptions): Promise<GarminDailyRespiration | null> {
    return parseDailyRespiration(await this.getHealthAnswer('respiration', { date }, opts));
  }

  /** `GET /wellness-service/wellness/daily/spo2/{date}`; null when the day has no value. */
  async getDailySpo2(date: string, opts?: GarminCallOptions): Promise<GarminDailySpo2 | null> {
    return parseDailySpo2(await this.getHealthAnswer('spo2', { date }, opts));
  }

  /** `GET /wellness-service/wellness/dailySummaryChart/{displayName}?date=` (steps per 15 minutes). */
  async getStepsChart(displayName: string, date: string, opts?: GarminCallOptions): Promise<GarminStepsChart> {
    return parseStepsChart(await this.getHealthAnswer('steps', { displayName, date }, opts));
  }

  /** `GET /metrics-service/metrics/trainingreadiness/{date}`; score null when the day has none. */
  async getTrainingReadiness(date: string, opts?: GarminCallOptions): Promise<GarminTrainingReadiness> {
    return parseTrainingReadiness(await this.getHealthAnswer('readiness', { date }, opts));
  }

  /** `GET /hrv-service/hrv/{date}`; null when none (204). */
  async getHrv(date: string, opts?: GarminCallOptions): Promise<GarminHrv | null> {
    return parseHrv(await this.getJson(`/hrv-service/hrv/${checkDate(date, 'date')}`, undefined, opts));
  }

  /** `GET /hrv-service/hrv/daily/{start}/{end}` (≤ 28 days); no days when none (204). */
  async getHrvRange(startDate: string, endDate: string, opts?: GarminCallOptions): Promise<GarminHrvRange> {
    return parseHrvRange(await this.getHealthAnswer('hrv', { start: startDate, end: endDate }, opts));
  }

  /** `GET /metrics-service/metrics/maxmet/daily/{start}/{end}` (VO2max; ≤ 28 days by our rule). */
  async getMaxMetRange(startDate: string, endDate: string, opts?: GarminCallOptions): Promise<GarminMaxMetRange> {
    return parseMaxMetRange(await this.getHealthAnswer('maxmet', { start: startDate, end: endDate }, opts));
  }

  /**
   * Weigh-ins (grams) between two dates (≤ 28 days), from the recorded path
   * `/weight-service/weight/range/{start}/{end}?includeAll=true`.
   */
  async getWeightRange(startDate: string, endDate: string, opts?: GarminCallOptions): Promise<GarminWeightRange> {
    return parseWeightRange(await this.getHealthAnswer('weight', { start: startDate, end: endDate }, opts));
  }

  /** `GET /usersummary-service/stats/hydration/daily/{start}/{end}` (ml; ≤ 28 days). */
  async getHydrationRange(startDate: string, endDate: string, opts?: GarminCallOptions): Promise<GarminHydrationRange> {
    return parseHydrationRange(await this.getHealthAnswer('hydration', { start: startDate, end: endDate }, opts));
  }

  /** `GET /workout-service/workouts?start=&limit=`. */
  async listWorkouts(opts: GarminCallOptions & { start?: number; limit?: number } = {}): Promise<GarminWorkout[]> {
    return parseWorkoutList(
      await this.getJson(
        '/workout-service/workouts',
        {
          start: String(checkCount(opts.start, 0, 10_000_000, 'start')),
          limit: String(checkCount(opts.limit, 100, 1000, 'limit')),
        },
        opts,
      ),
    );
  }

  /** `GET /workout-service/workout/{id}`. */
  async getWorkout(workoutId: string | number | bigint, opts?: GarminCallOptions): Promise<GarminWorkout> {
    return parseWorkout(await this.getJson(`/workout-service/workout/${checkId(workoutId, 'workoutId')}`, undefined, opts));
  }

  /**
   * `GET /personalrecord-service/personalrecord/prs/{displayName}`: every personal record of the
   * account (an empty list when none).
   */
  async getPersonalRecords(displayName: string, opts?: GarminCallOptions): Promise<GarminPersonalRecord[]> {
    return parsePersonalRecords(await this.getJson(`/personalrecord-service/personalrecord/prs/${checkName(displayName)}`, undefined, opts));
  }

  /**
   * `GET /gear-service/gear/filterGear?userProfilePk=`: the account's gear, active and retired.
   * `userProfilePk` is the social profile's `profileId`.
   */
  async getGear(userProfilePk: string | number | bigint, opts?: GarminCallOptions): Promise<GarminGear[]> {
    const q = { userProfilePk: checkId(userProfilePk, 'userProfilePk') };
    return parseGearList(await this.getJson('/gear-service/gear/filterGear', q, opts));
  }

  /** `GET /gear-service/gear/stats/{uuid}`: a gear item's totals; null when Garmin has none (404, retired gear). */
  async getGearStats(uuid: string, opts?: GarminCallOptions): Promise<GarminGearStats | null> {
    if (typeof uuid !== 'string' || !GEAR_UUID.test(uuid)) throw new GarminInputError('uuid must be a gear id');
    try {
      return parseGearStats(present(await this.getJson(`/gear-service/gear/stats/${uuid}`, undefined, opts), 'gear stats'));
    } catch (err) {
      if (err instanceof GarminNotFoundError) return null;
      throw err;
    }
  }

  /** Refreshes the tokens now (deduplicated across concurrent callers) and hands them to `onTokens`. */
  async refreshTokens(): Promise<GarminTokens> {
    if (!this.refreshing) {
      this.refreshing = this.doRefresh().finally(() => {
        this.refreshing = undefined;
      });
    }
    return this.refreshing;
  }

  /**
   * Refreshes, but stops waiting when `signal` fires. The refresh itself is never cut: Garmin
   * rotates refresh tokens, so a refresh aborted after Garmin answered would spend the old token
   * without our ever storing the new one (reauth). It finishes and hands its tokens to `onTokens`.
   */
  private refreshUnless(signal: AbortSignal | undefined): Promise<GarminTokens> {
    const p = this.refreshTokens();
    if (!signal) return p;
    if (signal.aborted) {
      p.catch(() => {});
      return Promise.reject(abortError(signal));
    }
    return new Promise<GarminTokens>((resolve, reject) => {
      const onAbort = () => {
        p.catch(() => {});
        reject(abortError(signal));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  /** The refresh ahead of expiry: a refusal while the access token lives is reported, not thrown (onRefreshLost). */
  private async refreshAhead(signal: AbortSignal | undefined): Promise<void> {
    try {
      await this.refreshUnless(signal);
    } catch (err) {
      if (!(err instanceof GarminTokenInvalidError) || !this.onRefreshLost || this.current.expiresAt <= this.runtime.now()) throw err;
      this.refreshLost = true;
      await this.onRefreshLost();
    }
  }

  private async doRefresh(): Promise<GarminTokens> {
    const old = this.current;
    if (old.refreshExpiresAt !== undefined && old.refreshExpiresAt <= this.runtime.now()) {
      throw new GarminTokenInvalidError('Garmin refresh token expired; reauth required');
    }
    const ctx = { http: this.http, endpoints: this.endpoints, runtime: this.runtime };
    for (let attempt = 1; ; attempt++) {
      try {
        const next = await refreshDiTokens(ctx, old);
        this.current = next;
        await this.onTokens?.(next);
        return next;
      } catch (err) {
        // Retry only when the refresh surely did not reach Garmin or Garmin said 5xx: a lost
        // answer may have rotated (spent) the refresh token, and a retry would then fail anyway.
        const safe =
          (err instanceof GarminNetworkError && err.kind === 'connect') ||
          (err instanceof GarminUnavailableError && !(err.cause instanceof GarminNetworkError));
        if (safe && attempt < this.retry.maxAttempts) {
          await this.runtime.sleep(backoffDelayMs(this.retry, attempt, this.runtime));
          continue;
        }
        if (err instanceof GarminNetworkError) {
          throw new GarminUnavailableError(`Garmin token refresh failed: ${err.message}`, { cause: err });
        }
        throw err;
      }
    }
  }

  private needsRefresh(): boolean {
    if (this.refreshLost) return false;
    const t = this.current;
    const now = this.runtime.now();
    let margin = this.refreshMarginMs;
    if (t.issuedAt !== undefined && t.expiresAt > t.issuedAt) margin = Math.min(margin, (t.expiresAt - t.issuedAt) / 4);
    return t.expiresAt - now <= margin;
  }

  private async getJson(path: string, query: Record<string, string> | undefined, opts: GarminCallOptions | undefined): Promise<unknown> {
    const text = await this.getJsonText(path, query, opts);
    return text.trim() === '' ? null : parseExactJson(text);
  }

  /** A JSON answer's exact text ('' for 204 or an empty body), checked to be complete JSON. */
  private async getJsonText(path: string, query: Record<string, string> | undefined, opts: GarminCallOptions | undefined): Promise<string> {
    return this.call('GET', path, query, 'application/json', opts, (res) => {
      if (res.status === 204) return '';
      if (res.status !== 200) throw new GarminUnexpectedAnswerError(`Garmin ${path} answered ${describeAnswer(res)}`);
      const type = mediaType(res);
      if (type.includes('html')) throw new GarminUnexpectedAnswerError(`Garmin ${path} answered ${describeAnswer(res)}`);
      const text = res.body.toString('utf8');
      if (text.trim() === '') return '';
      try {
        JSON.parse(text); // only completeness is checked here: the same JSON, big integers aside
      } catch {
        // A JSON answer that does not parse was cut short (e.g. connection closed mid-body).
        if (type.includes('json') || type === '') throw new BodyCorruptError('answer is not complete JSON');
        throw new GarminUnexpectedAnswerError(`Garmin ${path} answered ${describeAnswer(res)}, not JSON`);
      }
      return text;
    });
  }

  /**
   * The exact text of one health endpoint's answer ('' for 204), for storing it losslessly;
   * `parseHealthAnswer(source, text)` turns it into the typed answer (also later, without a call).
   */
  async getHealthAnswer(source: HealthSource, params: HealthParams, opts?: GarminCallOptions): Promise<string> {
    const { path, query } = healthRequest(source, params);
    return this.getJsonText(path, query, opts);
  }

  /**
   * One data call with the whole policy: fresh token, 401 → refresh once,
   * 404 → not found, 429 → Retry-After (capped) or rate-limited error, 5xx /
   * network / corrupt body → bounded backoff retries, then GarminUnavailableError.
   * The call's signal reaches the socket and every wait: an abort
   * rejects with an AbortError at once and is never retried.
   */
  private async call<T>(
    method: 'GET',
    path: string,
    query: Record<string, string> | undefined,
    accept: string,
    opts: GarminCallOptions | undefined,
    read: (res: HttpResponse) => T,
  ): Promise<T> {
    const signal = opts?.signal;
    const url = `${this.endpoints.apiUrl}${path}${query ? `?${new URLSearchParams(query)}` : ''}`;
    const what = `${method} ${path}`;
    const endpoint = this.onCall ? garminRouteOf(path) : '';
    let refreshedAfter401 = false;
    let lastProblem = '';
    const max = Math.max(1, this.retry.maxAttempts);
    for (let attempt = 1; attempt <= max; attempt++) {
      if (signal?.aborted) throw abortError(signal);
      if (this.needsRefresh()) await this.refreshAhead(signal);
      let res: HttpResponse;
      try {
        res = await this.http.request({
          method,
          url,
          headers: {
            authorization: `Bearer ${this.current.accessToken}`,
            accept,
          },
          signal,
        });
      } catch (err) {
        if (!(err instanceof GarminNetworkError)) throw err;
        this.onCall?.(endpoint, 'error');
        lastProblem = err.message;
        if (attempt < max) await this.runtime.sleep(backoffDelayMs(this.retry, attempt, this.runtime), signal);
        continue;
      }
      this.onCall?.(endpoint, res.status);
      if (res.status === 401) {
        if (refreshedAfter401) throw new GarminTokenInvalidError('Garmin rejected the refreshed token; reauth required');
        refreshedAfter401 = true;
        await this.refreshUnless(signal);
        attempt--; // the refresh is not a failed attempt
        continue;
      }
      if (res.status === 404) throw new GarminNotFoundError(`Garmin has no ${path}`);
      if (res.status === 429) {
        const wait = retryAfterSeconds(res, this.runtime.now()) ?? this.retry.default429WaitSeconds;
        if (wait > this.retry.maxRetryAfterSeconds || attempt >= max) throw new GarminRateLimitedError(wait, `Garmin (${what})`);
        await this.runtime.sleep(wait * 1000, signal);
        continue;
      }
      if (res.status === 403 && mediaType(res).includes('html')) throw new GarminCloudflareBlockedError();
      if (res.status >= 500) {
        lastProblem = `HTTP ${res.status}`;
        if (attempt < max) await this.runtime.sleep(backoffDelayMs(this.retry, attempt, this.runtime), signal);
        continue;
      }
      try {
        return read(res);
      } catch (err) {
        if (!(err instanceof BodyCorruptError)) throw err;
        lastProblem = err.message;
        if (attempt < max) await this.runtime.sleep(backoffDelayMs(this.retry, attempt, this.runtime), signal);
      }
    }
    throw new GarminUnavailableError(`Garmin ${what} failed after ${max} attempts: ${lastProblem}`);
  }
}

/** True when `err` is one of this library's typed errors. */
export function isGarminError(err: unknown): err is GarminError {
  return err instanceof GarminError;
}
