import assert from 'node:assert/strict';
import type { IncomingHttpHeaders, IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as a stub server received it (body parsed as JSON when it is JSON). */
export interface ReceivedCall {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
  /** The body's bytes as received (uploads are binary). */
  raw: Buffer;
}

/** A planned METHOD PATH, answered at most `times` times. */
export interface PlannedRoute {
  method: string;
  path: string;
  times: number;
  used: number;
}

/**
 * The request handler both stub servers share: reads the body, records the
 * call, and hands it to the first planned route with uses left; anything
 * unplanned is recorded and gets a 500 problem, so `verifyPlan` fails.
 */
export function plannedListener<R extends PlannedRoute>(
  calls: ReceivedCall[],
  unplanned: string[],
  routes: R[],
  answer: (route: R, call: ReceivedCall, res: ServerResponse, req: IncomingMessage) => void,
): RequestListener {
  return (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const text = raw.toString('utf8');
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = text;
      }
      const call: ReceivedCall = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, raw };
      calls.push(call);
      const r = routes.find((x) => x.method === call.method && x.path === call.path && x.used < x.times);
      if (!r) {
        unplanned.push(`${call.method} ${call.path}`);
        res.writeHead(500, { 'content-type': 'application/problem+json' });
        res.end(JSON.stringify({ type: 'about:blank', title: 'unplanned call in test stub', status: 500, code: 'internal_error' }));
        return;
      }
      r.used++;
      answer(r, call, res, req);
    });
  };
}

/** Listens on 127.0.0.1:0 and returns the base URL. */
export async function listenLoopback(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Fails when a call was not planned or a planned call was not made. */
export function verifyPlan(unplanned: string[], routes: PlannedRoute[]): void {
  assert.deepEqual(unplanned, [], 'unplanned calls reached the stub');
  const unused = routes.filter((r) => r.used < r.times).map((r) => `${r.method} ${r.path} (${r.used}/${r.times})`);
  assert.deepEqual(unused, [], 'planned calls were not made');
}

/** Closes the server, dropping kept-alive and hanging connections. */
export async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
