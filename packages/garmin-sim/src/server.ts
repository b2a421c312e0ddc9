import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { json, parseCookies, type RequestContext, type SimResponse } from './http-util.js';
import type { FaultRule } from './faults.js';
import { control } from './routes/control.js';
import { answerExport, EXPORT_LABEL, EXPORT_PATH } from './routes/export.js';
import { deviceLastUsed, personalInformation } from './routes/account.js';
import * as data from './routes/data.js';
import { diToken } from './routes/diauth.js';
import { oauth1Exchange, oauth1Preauthorized } from './routes/oauth1.js';
import * as sso from './routes/sso.js';
import type { SimState } from './sim-state.js';
import { html } from './http-util.js';

type Handler = (sim: SimState, ctx: RequestContext, params: string[]) => SimResponse;

interface Route {
  method: string;
  pattern: RegExp;
  /** Stats label: the path with ids as `{id}` and dates as `{date}`. */
  label: string;
  handler: Handler;
}

const DATE = '(\\d{4}-\\d{2}-\\d{2})';
const NAME = '([^/]*)';

function open(method: string, path: string, handler: (sim: SimState, ctx: RequestContext) => SimResponse): Route {
  return { method, pattern: new RegExp(`^${path}$`), label: path, handler: (sim, ctx) => handler(sim, ctx) };
}

/** A connectapi route: Bearer token required (401 invalid_token otherwise). */
function bearer(method: string, path: string, label: string, handler: data.DataHandler): Route {
  return {
    method,
    pattern: new RegExp(`^${path}$`),
    label,
    handler: (sim, ctx, params) => {
      const user = sim.bearerUser(ctx.req.headers.authorization);
      if (!user) {
        return json(
          401,
          { message: 'Unauthorized', error: 'invalid_token' },
          { 'www-authenticate': 'Bearer error="invalid_token", error_description="Token is not active"' },
        );
      }
      return handler(sim, user, ctx, params);
    },
  };
}

const ROUTES: Route[] = [
  open('GET', '/mobile/sso/en/sign-in', sso.mobileWarmUp),
  open('POST', '/mobile/api/login', sso.mobileLogin),
  open('POST', '/mobile/api/mfa/verifyCode', sso.mobileVerifyCode),
  open('GET', '/portal/sso/embed', () => html(200, '')),
  open('GET', '/sso/embed', sso.classicEmbed),
  open('GET', '/sso/signin', sso.classicSignInPage),
  open('POST', '/sso/signin', sso.classicSignIn),
  open('GET', '/sso/verifyMFA/loginEnterMfaCode', sso.classicMfaPage),
  open('POST', '/sso/verifyMFA/loginEnterMfaCode', sso.classicVerifyMfa),
  open('GET', '/sso/login', sso.classicLogin),
  open('POST', '/di-oauth2-service/oauth/token', diToken),
  open('GET', '/oauth-service/oauth/preauthorized', oauth1Preauthorized),
  open('POST', '/oauth-service/oauth/exchange/user/2.0', oauth1Exchange),
  bearer('GET', '/userprofile-service/socialProfile', '/userprofile-service/socialProfile', data.socialProfile),
  bearer(
    'GET',
    `/userprofile-service/userprofile/personal-information/${NAME}`,
    '/userprofile-service/userprofile/personal-information/{displayName}',
    personalInformation,
  ),
  bearer('GET', '/device-service/deviceservice/mylastused', '/device-service/deviceservice/mylastused', deviceLastUsed),
  bearer(
    'GET',
    '/activitylist-service/activities/search/activities',
    '/activitylist-service/activities/search/activities',
    data.activitySearch,
  ),
  bearer('GET', '/activitylist-service/activities/count', '/activitylist-service/activities/count', data.activityCount),
  bearer('GET', '/activity-service/activity/(\\d{1,20})', '/activity-service/activity/{id}', data.activityGet),
  bearer('GET', '/download-service/files/activity/(\\d{1,20})', '/download-service/files/activity/{id}', data.activityDownload),
  bearer('GET', `/usersummary-service/usersummary/daily/${NAME}`, '/usersummary-service/usersummary/daily/{displayName}', data.dailySummary),
  bearer('GET', `/wellness-service/wellness/dailyHeartRate/${NAME}`, '/wellness-service/wellness/dailyHeartRate/{displayName}', data.dailyHeartRate),
  bearer('GET', '/wellness-service/wellness/dailyHeartRate', '/wellness-service/wellness/dailyHeartRate/{displayName}', data.dailyHeartRate),
  bearer('GET', `/wellness-service/wellness/dailyStress/${DATE}`, '/wellness-service/wellness/dailyStress/{date}', data.dailyStress),
  bearer('GET', `/wellness-service/wellness/dailySleepData/${NAME}`, '/wellness-service/wellness/dailySleepData/{displayName}', data.dailySleep),
  bearer('GET', '/sleep-service/sleep/dailySleepData', '/sleep-service/sleep/dailySleepData', data.dailySleep),
  bearer('GET', `/hrv-service/hrv/${DATE}`, '/hrv-service/hrv/{date}', data.hrv),
  bearer('GET', `/hrv-service/hrv/daily/${DATE}/${DATE}`, '/hrv-service/hrv/daily/{date}/{date}', data.hrvRange),
  bearer('GET', '/weight-service/weight/dateRange', '/weight-service/weight/dateRange', data.weightDateRange),
  bearer('GET', `/weight-service/weight/range/${DATE}/${DATE}`, '/weight-service/weight/range/{date}/{date}', data.weightRange),
  bearer('GET', `/wellness-service/wellness/daily/respiration/${DATE}`, '/wellness-service/wellness/daily/respiration/{date}', data.respiration),
  bearer('GET', `/wellness-service/wellness/daily/spo2/${DATE}`, '/wellness-service/wellness/daily/spo2/{date}', data.spo2),
  bearer(
    'GET',
    `/wellness-service/wellness/dailySummaryChart/${NAME}`,
    '/wellness-service/wellness/dailySummaryChart/{displayName}',
    data.stepsChart,
  ),
  bearer('GET', `/metrics-service/metrics/trainingreadiness/${DATE}`, '/metrics-service/metrics/trainingreadiness/{date}', data.trainingReadiness),
  bearer('GET', `/metrics-service/metrics/maxmet/daily/${DATE}/${DATE}`, '/metrics-service/metrics/maxmet/daily/{date}/{date}', data.maxmetRange),
  bearer(
    'GET',
    `/usersummary-service/stats/hydration/daily/${DATE}/${DATE}`,
    '/usersummary-service/stats/hydration/daily/{date}/{date}',
    data.hydrationRange,
  ),
  bearer(
    'GET',
    `/personalrecord-service/personalrecord/prs/${NAME}`,
    '/personalrecord-service/personalrecord/prs/{displayName}',
    data.personalRecords,
  ),
  bearer('GET', '/gear-service/gear/filterGear', '/gear-service/gear/filterGear', data.gearFilter),
  bearer('GET', '/gear-service/gear/stats/([0-9a-fA-F-]{1,64})', '/gear-service/gear/stats/{uuid}', data.gearStats),
  bearer('GET', '/workout-service/workouts', '/workout-service/workouts', data.workoutList),
  bearer('GET', '/workout-service/workout/(\\d{1,20})', '/workout-service/workout/{id}', data.workoutGet),
];

const MAX_BODY = 1024 * 1024;

function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        resolve(null);
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(size > MAX_BODY ? null : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function route(method: string, path: string): { route: Route; params: string[] } | { label: string; status: number } {
  let pathMatched = false;
  for (const r of ROUTES) {
    const m = r.pattern.exec(path);
    if (!m) continue;
    if (r.method !== method) {
      pathMatched = true;
      continue;
    }
    return { route: r, params: m.slice(1) };
  }
  return { label: pathMatched ? path : '(unknown)', status: pathMatched ? 405 : 404 };
}

function faultResponse(rule: FaultRule): SimResponse {
  if (rule.kind === '429') {
    return json(
      429,
      { 'status-code': '429', message: 'Too Many Requests' },
      { 'retry-after': String(rule.retry_after_s ?? 60) },
    );
  }
  if (rule.kind === '503') {
    return {
      status: 503,
      headers: {
        'content-type': 'text/html;charset=UTF-8',
        ...(rule.retry_after_s !== undefined ? { 'retry-after': String(rule.retry_after_s) } : {}),
      },
      body: '<html><head><title>503 Service Temporarily Unavailable</title></head><body>Service Unavailable</body></html>',
    };
  }
  if (rule.kind === 'cloudflare_block') return cloudflareBlock();
  return json(500, { message: 'Internal Server Error', error: 'InternalServerError' });
}

/**
 * Cloudflare's WAF block page (error 1020, "Sorry, you have been blocked"), as it answers a
 * blocked sign-in: 403, HTML, a `cf-ray` header. Unlike a challenge it never passes by itself.
 */
function cloudflareBlock(): SimResponse {
  return {
    status: 403,
    headers: { 'content-type': 'text/html; charset=UTF-8', 'cf-ray': '8f2a1c3d4e5f6a7b-FRA', server: 'cloudflare' },
    body:
      '<!DOCTYPE html><html lang="en-US"><head><title>Attention Required! | Cloudflare</title></head><body>' +
      '<h1 data-translate="block_headline">Sorry, you have been blocked</h1>' +
      '<h2>You are unable to access garmin.com</h2><p>Cloudflare Ray ID: 8f2a1c3d4e5f6a7b</p></body></html>',
  };
}

function write(res: ServerResponse, r: SimResponse, truncate: boolean): void {
  const body = r.body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(r.body) ? r.body : Buffer.from(r.body, 'utf8');
  if (truncate && body.length === 0) {
    // Nothing to cut short: an empty answer is "truncated" by dropping the connection.
    res.socket?.resetAndDestroy();
    return;
  }
  const headers: Record<string, string | string[]> = { ...r.headers };
  if (r.status !== 204 && r.status !== 304) headers['content-length'] = String(body.length);
  res.writeHead(r.status, headers);
  if (!truncate) {
    res.end(body);
    return;
  }
  // Promise the whole body, send half, then drop the connection.
  res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.destroy());
}

/** Waits `ms` on the sim's runtime; false when the client closes the connection first. */
async function waitUnlessClosed(sim: SimState, res: ServerResponse, ms: number): Promise<boolean> {
  const gone = new AbortController();
  const onClose = () => gone.abort();
  res.once('close', onClose);
  try {
    await sim.runtime.sleep(ms, gone.signal);
    return true;
  } catch {
    return false;
  } finally {
    res.off('close', onClose);
  }
}

async function handle(sim: SimState, req: IncomingMessage, res: ServerResponse, fallbackOrigin: string): Promise<void> {
  const method = req.method ?? 'GET';
  const url = new URL(req.url ?? '/', 'http://sim.invalid');
  const path = url.pathname;
  const origin = req.headers.host ? `http://${req.headers.host}` : fallbackOrigin;
  const body = await readBody(req);
  const ctx: RequestContext = {
    req,
    method,
    path,
    query: url.searchParams,
    cookies: parseCookies(req.headers.cookie),
    body: body ?? Buffer.alloc(0),
    origin,
  };

  const exportMatch = EXPORT_PATH.exec(path);
  if (exportMatch) {
    const status = await answerExport(sim, ctx, res, exportMatch[1]!, (r) => write(res, r, false));
    sim.stats.recordSim(EXPORT_LABEL, status);
    return;
  }
  if (path === '/__sim' || path.startsWith('/__sim/')) {
    write(res, body === null ? json(413, { error: 'too_large', message: 'body too large' }) : control(sim, ctx), false);
    return;
  }
  await sim.stats.track(() => answerUpstream(sim, ctx, body === null, res));
}

/** Answers a Garmin path (faults first); counted in the stats. */
async function answerUpstream(sim: SimState, ctx: RequestContext, tooLarge: boolean, res: ServerResponse): Promise<void> {
  const { req, method, path } = ctx;
  const found = route(method, path);
  const label = 'route' in found ? found.route.label : found.label;
  // When it arrived and for whom (per-account rates), whatever the answer will be.
  const at = { nowMs: sim.nowMs(), account: sim.bearerUser(req.headers.authorization)?.email.toLowerCase() ?? null };
  const fault = sim.faults.pick(path);
  if (fault?.kind === 'reset') {
    sim.stats.record(path, label, 'reset', at);
    req.socket.resetAndDestroy();
    return;
  }
  if (fault?.kind === 'slow' && !(await waitUnlessClosed(sim, res, fault.delay_ms ?? 2000))) {
    // The client gave up (e.g. a cancelled sync cut its socket): nobody is left to answer.
    sim.stats.record(path, label, 'aborted', at);
    return;
  }
  let answer: SimResponse;
  if (fault && fault.kind !== 'slow' && fault.kind !== 'truncate') answer = faultResponse(fault);
  else if (tooLarge) answer = json(413, { message: 'Payload Too Large' });
  else if (!('route' in found)) answer = json(found.status, { message: found.status === 405 ? 'Method Not Allowed' : 'Not Found' });
  else {
    try {
      answer = found.route.handler(sim, ctx, found.params);
    } catch (err) {
      process.stderr.write(`garmin-sim: handler error on ${label}: ${(err as Error).message}\n`);
      answer = json(500, { message: 'Internal Server Error' });
    }
  }
  const truncate = fault?.kind === 'truncate';
  sim.stats.record(path, label, truncate ? 'truncated' : String(answer.status), at);
  write(res, answer, truncate);
}

/** Starts the HTTP server on host:port (0 = any free port); resolves with the base URL. */
export async function listen(sim: SimState, host: string, port: number): Promise<{ server: Server; url: string }> {
  let origin = '';
  const server = createServer((req, res) => {
    handle(sim, req, res, origin).catch((err: Error) => {
      process.stderr.write(`garmin-sim: ${err.message}\n`);
      if (!res.headersSent) write(res, json(500, { message: 'Internal Server Error' }), false);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const h = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  origin = `http://${h}:${addr.port}`;
  return { server, url: origin };
}
