import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeServer, listenLoopback, type PlannedRoute, plannedListener, type ReceivedCall, verifyPlan } from './planned-http.js';

export type RawCall = ReceivedCall;
export type RawHandler = (call: RawCall, res: ServerResponse, req: IncomingMessage) => void;
interface Route extends PlannedRoute {
  handler: RawHandler;
}

/**
 * Like StubServer (a real node:http server on 127.0.0.1:0, 500 to anything
 * unplanned, `verify()` fails on unplanned or unused calls), but each planned
 * call writes its own response: event streams, dropped connections, FIT bytes.
 */
export class RawStubServer {
  readonly calls: RawCall[] = [];
  readonly unplanned: string[] = [];
  readonly #routes: Route[] = [];
  readonly #server: Server;
  url = '';

  private constructor() {
    this.#server = createServer(plannedListener(this.calls, this.unplanned, this.#routes, (r, call, res, req) => r.handler(call, res, req)));
  }

  static async start(): Promise<RawStubServer> {
    const s = new RawStubServer();
    s.url = await listenLoopback(s.#server);
    return s;
  }

  /** Plans `times` calls of METHOD PATH (default 1). */
  on(method: string, path: string, handler: RawHandler, times = 1): this {
    this.#routes.push({ method, path, handler, times, used: 0 });
    return this;
  }

  /** Plans a JSON (or problem+json for status ≥ 400) answer. */
  json(method: string, path: string, status: number, body: unknown, times = 1): this {
    return this.on(method, path, (_c, res) => sendJson(res, status, body), times);
  }

  verify(): void {
    verifyPlan(this.unplanned, this.#routes);
  }

  async close(): Promise<void> {
    await closeServer(this.#server);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export function problemBody(status: number, code: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'about:blank', title: code, status, code, ...extra };
}

/** Starts an event stream response. */
export function startEvents(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.flushHeaders();
}

/** One SSE event carrying a snapshot. */
export function sseEvent(data: unknown, id?: string): string {
  return `${id !== undefined ? `id: ${id}\n` : ''}event: job\ndata: ${JSON.stringify(data)}\n\n`;
}

type Counts = { new: number; updated: number; unchanged: number };
const zero = (): Counts => ({ new: 0, updated: 0, unchanged: 0 });

/** A SyncJob as the server sends it. */
export function job(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    job_id: 'job-1',
    user_id: 'u1',
    status: 'pending',
    sync_type: 'all',
    progress: 0,
    total_items: null,
    processed_items: 0,
    since: null,
    until: null,
    full: false,
    created_at: '2026-06-01T12:00:00.000Z',
    start_time: null,
    end_time: null,
    error_message: null,
    trigger: 'manual',
    message: null,
    counts: { activities: zero(), health: zero(), workouts: zero() },
    ...over,
  };
}

/** An Activity as the API answers it, with `over` replacing fields. */
export function activity(id: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    activity_id: id,
    name: 'Morning Run',
    activity_type: 'running',
    start_time: '2026-05-30T06:15:00.000Z',
    duration_s: 3725,
    distance_m: 10234.5,
    calories: 640,
    avg_hr: 148.6,
    fit_sha256: 'ab'.repeat(32),
    decode_error: null,
    ...over,
  };
}
