// Tiny node:http helpers for the sync benchmark (no fetch: same stack as the product).
import http from 'node:http';

export const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

/** One request; resolves with status, headers and the whole body (Buffer). */
export function request(method, url, { headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    const h = { ...headers };
    if (payload) {
      h['content-length'] = String(payload.length);
      if (!h['content-type']) h['content-type'] = 'application/json';
    }
    const req = http.request(url, { method, headers: h, agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.setTimeout(60_000, () => req.destroy(new Error(`timeout: ${method} ${url}`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** JSON request; throws on non-2xx unless `ok` lists the status. */
export async function json(method, url, { token, body, headers = {}, ok = [] } = {}) {
  const r = await request(method, url, { headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers }, body });
  const text = r.body.toString('utf8');
  const parsed = text ? JSON.parse(text) : null;
  if ((r.status < 200 || r.status >= 300) && !ok.includes(r.status)) {
    throw new Error(`${method} ${new URL(url).pathname} → ${r.status} ${text.slice(0, 300)}`);
  }
  return { status: r.status, body: parsed };
}
