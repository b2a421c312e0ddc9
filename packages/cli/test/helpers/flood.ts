import type { ServerResponse } from 'node:http';

export interface Flood {
  /** Resolves when the stub stopped: because the client closed the connection, or at `limit`. */
  done: Promise<{ bytes: number; closedEarly: boolean }>;
}

/**
 * Streams `head`, then `unit` again and again (honouring back-pressure, never
 * building the body in memory), then `tail`, into `res` — a huge answer made
 * on the fly. It stops as soon as the client drops the connection
 * (`closedEarly`), or after `limit` bytes, a safety net so that a client that
 * does read everything cannot make the test itself run for ever.
 */
export function flood(
  res: ServerResponse,
  o: { status?: number; headers?: Record<string, string>; head?: string; unit: string; tail?: string; limit: number },
): Flood {
  res.writeHead(o.status ?? 200, o.headers ?? { 'content-type': 'application/json' });
  let bytes = 0;
  let closed = false;
  const done = new Promise<{ bytes: number; closedEarly: boolean }>((resolve) => {
    res.on('close', () => {
      closed = true;
      resolve({ bytes, closedEarly: !res.writableFinished });
    });
    const write = (s: string) => {
      bytes += Buffer.byteLength(s);
      return res.write(s);
    };
    if (o.head) write(o.head);
    const unit = Buffer.from(o.unit);
    const pump = () => {
      while (!closed) {
        if (bytes + unit.length > o.limit) {
          res.end(o.tail ?? '');
          return;
        }
        bytes += unit.length;
        if (!res.write(unit)) {
          res.once('drain', pump);
          return;
        }
      }
    };
    pump();
  });
  return { done };
}
