import net from 'node:net';

export interface BurstAnswer {
  status: number;
  headers: Record<string, string>;
  // biome-ignore lint/suspicious/noExplicitAny: tests read ad-hoc JSON answers field by field
  body: any;
}

/**
 * Sends `n` identical requests really at once: every socket is opened and sent all but the last
 * body byte first, then the last bytes are released together, so the server handles them
 * concurrently (not one after another as a client loop would).
 */
export async function burst(
  baseUrl: string,
  n: number,
  req: { method: string; path: string; headers?: Record<string, string>; body: unknown },
): Promise<BurstAnswer[]> {
  const u = new URL(baseUrl);
  const body = Buffer.from(JSON.stringify(req.body));
  const head =
    `${req.method} ${req.path} HTTP/1.1\r\nhost: ${u.host}\r\nconnection: close\r\ncontent-type: application/json\r\n` +
    `content-length: ${body.length}\r\n${Object.entries(req.headers ?? {})
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('')}\r\n`;
  const sockets = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<net.Socket>((resolve, reject) => {
          const s = net.connect(Number(u.port), u.hostname, () => resolve(s));
          s.once('error', reject);
        }),
    ),
  );
  const answers = sockets.map(
    (s) =>
      new Promise<BurstAnswer>((resolve, reject) => {
        const chunks: Buffer[] = [];
        s.on('data', (c: Buffer) => chunks.push(c));
        s.once('error', reject);
        s.once('close', () => resolve(parseAnswer(Buffer.concat(chunks).toString('utf8'))));
      }),
  );
  await Promise.all(
    sockets.map((s) => new Promise<void>((resolve) => s.write(Buffer.concat([Buffer.from(head), body.subarray(0, -1)]), () => resolve()))),
  );
  // Let the server read the heads and wait for the last byte of every body.
  await new Promise((r) => setTimeout(r, 50));
  for (const s of sockets) s.write(body.subarray(-1));
  return Promise.all(answers);
}

function parseAnswer(raw: string): BurstAnswer {
  const [head = '', ...rest] = raw.split('\r\n\r\n');
  const lines = head.split('\r\n');
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    if (i > 0) headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
  }
  let text = rest.join('\r\n\r\n');
  if (headers['transfer-encoding'] === 'chunked') text = dechunk(text);
  return { status, headers, body: text ? JSON.parse(text) : null };
}

function dechunk(s: string): string {
  let out = '';
  let i = 0;
  for (;;) {
    const eol = s.indexOf('\r\n', i);
    if (eol < 0) return out;
    const size = Number.parseInt(s.slice(i, eol), 16);
    if (!size) return out;
    out += s.slice(eol + 2, eol + 2 + size);
    i = eol + 2 + size + 2;
  }
}
