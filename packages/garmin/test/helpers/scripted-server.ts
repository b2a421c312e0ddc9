/**
 * A real HTTP server on 127.0.0.1:0 answering each request with the next
 * scripted handler (status, reset, truncation…). A request beyond the script
 * is answered 500 and recorded as a failure.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the scripted server saw it. */
export interface ScriptedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Answers one request. */
export type Step = (req: ScriptedRequest, res: http.ServerResponse) => void;

/** A running scripted server. */
export interface ScriptedServer {
  url: string;
  seen: ScriptedRequest[];
  failures: string[];
  close(): Promise<void>;
}

/** Starts a server that plays `steps` in order. */
export async function startScripted(steps: Step[]): Promise<ScriptedServer> {
  const queue = [...steps];
  const seen: ScriptedRequest[] = [];
  const failures: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { method: req.method ?? '', path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      seen.push(r);
      const step = queue.shift();
      if (!step) {
        failures.push(`unplanned ${r.method} ${r.path}`);
        res.writeHead(500, { 'content-type': 'text/plain' }).end('unplanned');
        return;
      }
      step(r, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    failures,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Answers JSON. */
export const json =
  (body: unknown, status = 200, headers: Record<string, string> = {}): Step =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  };

/** Answers a status with an empty or text body. */
export const status =
  (code: number, headers: Record<string, string> = {}, body = ''): Step =>
  (_req, res) => {
    res.writeHead(code, headers).end(body);
  };

/** Drops the connection without answering. */
export const reset: Step = (_req, res) => {
  res.socket?.destroy();
};

/** Announces a longer body than it sends, then drops the connection. */
export const truncated =
  (body: string): Step =>
  (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.length) });
    res.write(body.slice(0, Math.floor(body.length / 2)));
    setTimeout(() => res.socket?.destroy(), 5);
  };

/** Sends half a JSON body without a length and closes cleanly (the body just ends). */
export const cutJson =
  (body: string): Step =>
  (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', connection: 'close' });
    res.end(body.slice(0, Math.floor(body.length / 2)));
  };

/** Never answers (the client's timeout must fire). */
export const hang: Step = () => {};

/** Never answers, and records in `closed` the path of a request whose connection the client closed. */
export const hangNotingClose =
  (closed: string[]): Step =>
  (req, res) => {
    res.on('close', () => closed.push(req.path));
  };
