// A keep-alive load generator for the API benchmark when `wrk` is not on PATH: CONNECTIONS raw
// sockets, each sending one GET and reading its whole answer before the next (as wrk does), for
// SECONDS. The bearer token comes from the TOKEN environment variable, never argv. Prints one JSON
// line: {requests, errors, seconds}. Runs in its own process so it never shares the measured
// server's event loop.
import net from 'node:net';

const url = new URL(process.env.URL);
const connections = Number(process.env.CONNECTIONS ?? 16);
const seconds = Number(process.env.SECONDS ?? 5);
const request = Buffer.from(
  `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${process.env.TOKEN}\r\nConnection: keep-alive\r\n\r\n`,
);
let requests = 0;
let errors = 0;
let running = true;
const t0 = performance.now();

function connection() {
  return new Promise((resolve) => {
    const s = net.connect(Number(url.port), url.hostname);
    s.setNoDelay(true);
    let buf = Buffer.alloc(0);
    s.on('connect', () => s.write(request));
    s.on('data', (chunk) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end === -1) return;
        const head = buf.subarray(0, end).toString('latin1');
        const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
        if (!m) throw new Error(`answer without Content-Length: ${head.split('\r\n')[0]}`);
        const total = end + 4 + Number(m[1]);
        if (buf.length < total) return;
        if (head.startsWith('HTTP/1.1 200')) requests++;
        else errors++;
        buf = buf.subarray(total);
        if (!running) {
          s.end();
          return;
        }
        s.write(request);
      }
    });
    s.on('close', resolve);
    s.on('error', () => {
      errors++;
      resolve();
    });
  });
}

setTimeout(() => {
  running = false;
}, seconds * 1000);
await Promise.all(Array.from({ length: connections }, connection));
process.stdout.write(`${JSON.stringify({ requests, errors, seconds: (performance.now() - t0) / 1000 })}\n`);
