import http from 'node:http';

/** One server-sent event as received. */
export interface SseFrame {
  id: string | null;
  // biome-ignore lint/suspicious/noExplicitAny: tests read ad-hoc JSON snapshots field by field
  data: any;
  /** performance.now() when the frame's last byte arrived. */
  at: number;
}

export interface SseStream {
  status: number;
  headers: http.IncomingHttpHeaders;
  frames: SseFrame[];
  /** Resolves with the first frame (at or after index `from`) that `pred` accepts; rejects after `ms`. */
  next(pred: (f: SseFrame) => boolean, ms?: number, from?: number): Promise<SseFrame>;
  /** Resolves once the server ended the stream (with the ms since `endsWithin` was called); rejects after `ms`. */
  endsWithin(ms: number): Promise<number>;
  ended: boolean;
  close(): void;
}

/**
 * Opens `GET url` as an event stream with a bearer token (or these headers, e.g. a browser's
 * `cookie`); resolves once the response headers arrived.
 */
export function openSse(url: string, auth: string | Record<string, string>): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const who = typeof auth === 'string' ? { authorization: `Bearer ${auth}` } : auth;
    const req = http.get(url, { headers: { ...who, accept: 'text/event-stream' } });
    req.on('error', reject);
    req.on('response', (res) => {
      const frames: SseFrame[] = [];
      const waiters = new Set<() => void>();
      const wake = () => {
        for (const w of [...waiters]) w();
      };
      let buf = '';
      const stream: SseStream = {
        status: res.statusCode ?? 0,
        headers: res.headers,
        frames,
        ended: false,
        next(pred, ms = 5000, from = 0) {
          return new Promise((ok, fail) => {
            const check = () => {
              const f = frames.slice(from).find(pred);
              if (f) {
                waiters.delete(check);
                clearTimeout(t);
                ok(f);
              } else if (stream.ended) {
                waiters.delete(check);
                clearTimeout(t);
                fail(new Error(`the stream ended without the frame (${frames.length} frames)`));
              }
            };
            const t = setTimeout(() => {
              waiters.delete(check);
              fail(new Error(`no such frame within ${ms} ms (${frames.length} frames: ${frames.map((f) => f.id).join(',')})`));
            }, ms);
            waiters.add(check);
            check();
          });
        },
        endsWithin(ms) {
          const t0 = performance.now();
          return new Promise((ok, fail) => {
            const check = () => {
              if (!stream.ended) return;
              waiters.delete(check);
              clearTimeout(t);
              ok(performance.now() - t0);
            };
            const t = setTimeout(() => {
              waiters.delete(check);
              req.destroy();
              fail(new Error(`the event stream was still open ${ms} ms later (${frames.length} frames)`));
            }, ms);
            waiters.add(check);
            check();
          });
        },
        close: () => req.destroy(),
      };
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        buf += c;
        for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
          const lines = buf.slice(0, i).split('\n');
          buf = buf.slice(i + 2);
          const data = lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6));
          if (data.length === 0) continue; // a comment (keep-alive)
          const id = lines.find((l) => l.startsWith('id: '))?.slice(4) ?? null;
          frames.push({ id, data: JSON.parse(data.join('\n')), at: performance.now() });
        }
        wake();
      });
      const finish = () => {
        stream.ended = true;
        wake();
      };
      res.on('end', finish);
      res.on('close', finish);
      res.on('error', finish);
      resolve(stream);
    });
  });
}
