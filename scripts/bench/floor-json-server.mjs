// The floor of the API benchmark: a bare node:http server answering the same JSON documents the
// FitSync server answers (read from the file named by BODIES, one object per path), serialised on
// every request with JSON.stringify as a hand-written server would. Prints its URL first.
import { readFileSync } from 'node:fs';
import http from 'node:http';

const bodies = new Map(Object.entries(JSON.parse(readFileSync(process.env.BODIES, 'utf8'))));
const server = http.createServer((req, res) => {
  const q = req.url.indexOf('?');
  const doc = bodies.get(q === -1 ? req.url : req.url.slice(0, q));
  if (doc === undefined) {
    res.writeHead(404).end();
    return;
  }
  const text = JSON.stringify(doc);
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`http://127.0.0.1:${server.address().port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
