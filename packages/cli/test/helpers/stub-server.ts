import { createServer, type Server } from 'node:http';
import { closeServer, listenLoopback, type PlannedRoute, plannedListener, type ReceivedCall, verifyPlan } from './planned-http.js';

export type { ReceivedCall } from './planned-http.js';

export interface StubReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}
export interface PlannedCall {
  method: string;
  path: string;
  reply: StubReply | ((call: ReceivedCall) => StubReply);
  /** How many times this call is expected (default 1). */
  times?: number;
}

/**
 * A real HTTP server on 127.0.0.1:0 that answers only the planned calls, in any
 * order; anything else gets a 500 problem and is recorded, so `verify()` fails
 * on unplanned or unused calls (Vercel/GitHub CLI style HTTP stubs).
 */
export class StubServer {
  readonly calls: ReceivedCall[] = [];
  readonly unplanned: string[] = [];
  #plan: (PlannedCall & PlannedRoute)[] = [];
  #server: Server;
  url = '';

  private constructor() {
    this.#server = createServer(
      plannedListener(this.calls, this.unplanned, this.#plan, (p, call, res) => {
        const r = typeof p.reply === 'function' ? p.reply(call) : p.reply;
        const isProblem = r.status >= 400;
        const headers = { ...(r.body !== undefined ? { 'content-type': isProblem ? 'application/problem+json' : 'application/json' } : {}), ...r.headers };
        res.writeHead(r.status, headers);
        res.end(r.body !== undefined ? JSON.stringify(r.body) : undefined);
      }),
    );
  }

  static async start(plan: PlannedCall[] = []): Promise<StubServer> {
    const s = new StubServer();
    s.plan(...plan);
    s.url = await listenLoopback(s.#server);
    return s;
  }

  plan(...calls: PlannedCall[]): void {
    for (const c of calls) this.#plan.push({ ...c, times: c.times ?? 1, used: 0 });
  }

  /** Fails when a call was not planned or a planned call was not made. */
  verify(): void {
    verifyPlan(this.unplanned, this.#plan);
  }

  async close(): Promise<void> {
    await closeServer(this.#server);
  }
}

/** A problem+json reply. */
export function problem(status: number, code: string, extra: Record<string, unknown> = {}): StubReply {
  return { status, body: { type: 'about:blank', title: code, status, code, ...extra } };
}

/** A token pair as the server sends it. */
export function tokenPair(over: Partial<Record<string, unknown>> = {}, user: Partial<Record<string, unknown>> = {}): StubReply {
  return {
    status: 200,
    body: {
      status: 'authenticated',
      access_token: 'acc-1',
      token_type: 'Bearer',
      expires_in: 900,
      refresh_token: 'ref-1',
      refresh_expires_in: 604800,
      session_id: 'sess-1',
      mfa_verified: false,
      user: { user_id: 'u1', username: 'ada', mfa_enabled: false, created_at: '2026-01-01T00:00:00.000Z', ...user },
      ...over,
    },
  };
}

export const ME = {
  status: 200,
  body: { user_id: 'u1', username: 'ada', mfa_enabled: false, created_at: '2026-01-01T00:00:00.000Z', garmin_status: 'connected', garmin_reauth_required_at: null },
};
