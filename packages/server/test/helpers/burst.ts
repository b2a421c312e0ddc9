import { connect, type Socket } from 'node:net';

/** One request of a burst. The body is sent as JSON. */
export interface BurstRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  body: unknown;
  /** e.g. `{ authorization: 'Bearer …' }` */
  headers?: Record<string, string>;
  /** Source address of the socket, e.g. `127.0.0.7`: any 127/8 address is a distinct client on Linux. */
  localAddress?: string;
}

export interface BurstResponse {
  status: number;
  headers: Record<string, string>;
  // biome-ignore lint/suspicious/noExplicitAny: JSON the assertions navigate freely
  body: any;
}

/**
 * Sends `requests` to the server at `baseUrl` (http://host:port) truly at once: every socket is
 * opened and sent its whole request but the last body byte, and only when all of them are
 * written are the last bytes released together, so the server sees the requests complete in
 * the same instant (what a race needs; `Promise.all` over fetch would still stagger them).
 * Answers come back in request order.
 */
export async function burst(baseUrl: string, requests: readonly BurstRequest[]): Promise<BurstResponse[]> {
  const { hostname, port } = new URL(baseUrl);
  const prepared = requests.map((r) => {
    const body = Buffer.from(JSON.stringify(r.body), 'utf8');
    const head = [
      `${r.method} ${r.path} HTTP/1.1`,
      `host: ${hostname}:${port}`,
      'content-type: application/json',
      `content-length: ${body.length}`,
      'connection: close',
      ...Object.entries(r.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
      '',
      '',
    ].join('\r\n');
    const raw = Buffer.concat([Buffer.from(head, 'latin1'), body]);
    return { r, raw };
  });

  const sockets = await Promise.all(
    prepared.map(
      ({ r }) =>
        new Promise<Socket>((resolve, reject) => {
          const s = connect({ host: hostname, port: Number(port), ...(r.localAddress ? { localAddress: r.localAddress } : {}) });
          s.once('connect', () => resolve(s));
          s.once('error', reject);
        }),
    ),
  );
  const answers = sockets.map((s) => readAnswer(s));
  // Everything but the last byte, flushed to the kernel on every socket...
  await Promise.all(
    sockets.map(
      (s, i) => new Promise<void>((resolve, reject) => s.write(prepared[i]!.raw.subarray(0, -1), (err) => (err ? reject(err) : resolve()))),
    ),
  );
  // ...then the last bytes, in one synchronous loop.
  for (const [i, s] of sockets.entries()) s.write(prepared[i]!.raw.subarray(-1));
  return Promise.all(answers);
}

function readAnswer(s: Socket): Promise<BurstResponse> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.once('error', reject);
    s.once('end', () => {
      s.destroy();
      try {
        resolve(parseResponse(Buffer.concat(chunks)));
      } catch (err) {
        reject(err);
      }
    });
  });
}

function parseResponse(raw: Buffer): BurstResponse {
  const split = raw.indexOf('\r\n\r\n');
  if (split < 0) throw new Error(`incomplete HTTP response: ${JSON.stringify(raw.toString('latin1').slice(0, 200))}`);
  const [statusLine, ...lines] = raw.subarray(0, split).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1]);
  if (!status) throw new Error(`bad status line ${JSON.stringify(statusLine)}`);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const i = line.indexOf(':');
    headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  let payload = raw.subarray(split + 4);
  if (headers['transfer-encoding']?.includes('chunked')) payload = dechunk(payload);
  const text = payload.toString('utf8');
  const body = (headers['content-type'] ?? '').includes('json') && text ? JSON.parse(text) : text;
  return { status, headers, body };
}

function dechunk(b: Buffer): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = b.indexOf('\r\n', at);
    const size = Number.parseInt(b.subarray(at, eol).toString('latin1'), 16);
    if (!size) return Buffer.concat(out);
    out.push(b.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

/** How many answers had each status, e.g. `{ 401: 5, 429: 195 }`. */
export function statusCounts(answers: readonly BurstResponse[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (const a of answers) out[a.status] = (out[a.status] ?? 0) + 1;
  return out;
}
