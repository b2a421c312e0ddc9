import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StubReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}
export interface ReceivedCall {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
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
  #plan: (PlannedCall & { used: number })[] = [];
  #server: Server;
  url = '';

  private constructor() {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          body = text;
        }
        const call: ReceivedCall = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body };
        this.calls.push(call);
        const p = this.#plan.find((x) => x.method === call.method && x.path === call.path && x.used < (x.times ?? 1));
        if (!p) {
          this.unplanned.push(`${call.method} ${call.path}`);
          res.writeHead(500, { 'content-type': 'application/problem+json' });
          res.end(JSON.stringify({ type: 'about:blank', title: 'unplanned call in test stub', status: 500, code: 'internal_error' }));
          return;
        }
        p.used++;
        const r = typeof p.reply === 'function' ? p.reply(call) : p.reply;
        const isProblem = r.status >= 400;
        const headers = { ...(r.body !== undefined ? { 'content-type': isProblem ? 'application/problem+json' : 'application/json' } : {}), ...r.headers };
        res.writeHead(r.status, headers);
        res.end(r.body !== undefined ? JSON.stringify(r.body) : undefined);
      });
    });
  }

  static async start(plan: PlannedCall[] = []): Promise<StubServer> {
    const s = new StubServer();
    s.plan(...plan);
    await new Promise<void>((resolve) => s.#server.listen(0, '127.0.0.1', resolve));
    s.url = `http://127.0.0.1:${(s.#server.address() as AddressInfo).port}`;
    return s;
  }

  plan(...calls: PlannedCall[]): void {
    for (const c of calls) this.#plan.push({ ...c, used: 0 });
  }

  /** Fails when a call was not planned or a planned call was not made. */
  verify(): void {
    assert.deepEqual(this.unplanned, [], 'unplanned calls reached the stub');
    const unused = this.#plan.filter((p) => p.used < (p.times ?? 1)).map((p) => `${p.method} ${p.path} (${p.used}/${p.times ?? 1})`);
    assert.deepEqual(unused, [], 'planned calls were not made');
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
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

export const ME = { status: 200, body: { user_id: 'u1', username: 'ada', mfa_enabled: false, created_at: '2026-01-01T00:00:00.000Z' } };
