import { formBody, json, type RequestContext, type SimResponse } from '../http-util.js';
import type { SimState } from '../sim-state.js';

const SERVICE_TICKET_GRANT = 'https://connectapi.garmin.com/di-oauth2-service/oauth/grant/service_ticket';

function oauthError(status: number, error: string, description: string): SimResponse {
  return json(status, { error, error_description: description }, { 'cache-control': 'no-store' });
}

/**
 * `POST /di-oauth2-service/oauth/token` (garmin-protocol.md steps 4 and 6).
 * Basic auth `<client_id>:` with an empty secret; the form `client_id` must match it.
 */
export function diToken(sim: SimState, ctx: RequestContext): SimResponse {
  const m = /^Basic\s+(\S+)$/i.exec(ctx.req.headers.authorization ?? '');
  const basic = m ? Buffer.from(m[1]!, 'base64').toString('utf8') : '';
  const colon = basic.indexOf(':');
  const basicId = colon >= 0 ? basic.slice(0, colon) : '';
  const form = formBody(ctx.body);
  const clientId = form.get('client_id') ?? '';
  if (!basicId || colon !== basic.length - 1) return oauthError(401, 'invalid_client', 'Basic authentication "<client_id>:" required');
  if (clientId !== basicId) return oauthError(401, 'invalid_client', 'client_id does not match the Basic credentials');
  if (!sim.config.accepted_client_ids.includes(clientId)) return oauthError(401, 'invalid_client', 'Unknown client');

  const grant = form.get('grant_type') ?? '';
  if (grant === SERVICE_TICKET_GRANT) {
    const ticket = form.get('service_ticket') ?? '';
    const serviceUrl = form.get('service_url') ?? '';
    if (!ticket || !serviceUrl) return oauthError(400, 'invalid_request', 'service_ticket and service_url are required');
    const rec = sim.tickets.get(ticket);
    // Tickets are single use, whatever the outcome.
    sim.tickets.delete(ticket);
    if (!rec || rec.expiresMs <= sim.nowMs()) return oauthError(400, 'invalid_grant', 'Invalid service ticket');
    if (rec.service !== serviceUrl) return oauthError(400, 'invalid_grant', 'service_url does not match the ticket');
    return json(200, sim.issueTokens(rec.email, clientId), { 'cache-control': 'no-store' });
  }
  if (grant === 'refresh_token') {
    const token = form.get('refresh_token') ?? '';
    if (!token) return oauthError(400, 'invalid_request', 'refresh_token is required');
    const rec = sim.refreshTokens.get(token);
    if (!rec || rec.dead || rec.expiresMs <= sim.nowMs() || rec.clientId !== clientId) {
      return oauthError(400, 'invalid_grant', 'Invalid refresh token');
    }
    // Rotation: the old refresh token stops working at once.
    rec.dead = true;
    return json(200, sim.issueTokens(rec.email, clientId), { 'cache-control': 'no-store' });
  }
  return oauthError(400, 'unsupported_grant_type', 'Unsupported grant type');
}
