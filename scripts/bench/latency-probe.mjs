// The scale benchmark's latency probe (scripts/bench-scale.mjs forks it): a process of its own, so
// its timing is not disturbed by the bench's own work, issuing GETs at a steady rate to the
// instances under test and recording each one's latency.
// Open loop: request k is sent at start + k / rate whether or not earlier ones have answered, so a
// slow server is sampled as often as a fast one (a closed loop would wait, and under-count the slow
// answers it waits on). Latency is from sending to the last byte of the answer. (The probe shares
// the machine's cores with the servers, the sim and PostgreSQL; a late timer here sends late, it
// is not charged to the server.)
// Everything comes over the IPC channel (tokens are never in argv or the environment):
//   { cmd: 'targets', rate, targets: [{ url, token }] }  url is the full URL of one GET
//   { cmd: 'phase', name }   from now on, record under `name` (the previous phase ends)
//   { cmd: 'stop' }          answers { phases: { name: { ms: [...], errors, statuses } } } and exits
// (`statuses` counts what failed: an HTTP status other than 200, or the socket error's code, marked
// when it came on a kept-alive socket or on the one resend).
import http from 'node:http';

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
let targets = [];
let rate = 20;
let phase = null;
const phases = {};
let timer = null;
let sent = 0;
let t0 = 0;
let inFlight = 0;

function get(target, retry = true) {
  return new Promise((resolve) => {
    const req = http.get(target.url, { agent, headers: { authorization: `Bearer ${target.token}` } }, (res) => {
      res.on('data', () => {});
      res.on('end', () => resolve(res.statusCode));
      res.on('error', (err) => resolve(err.code ?? 'error'));
    });
    req.setTimeout(30_000, () => req.destroy(Object.assign(new Error('timeout'), { code: 'timeout' })));
    req.on('error', (err) => {
      // A kept-alive socket the server closed as this request went out (its idle timeout): the
      // request never reached the server; send it again on a fresh one, as Node's docs advise
      // (request.reusedSocket). The time lost stays in the latency.
      if (retry && req.reusedSocket && err.code === 'ECONNRESET') resolve(get(target, false));
      else resolve(`${err.code ?? 'error'}${req.reusedSocket ? ' (kept-alive socket)' : retry ? '' : ' (resent)'}`);
    });
  });
}

function fire() {
  const target = targets[sent % targets.length];
  sent++;
  if (phase !== null && !phases[phase]) phases[phase] = { ms: [], errors: 0, statuses: {} };
  const rec = phase === null ? null : phases[phase];
  inFlight++;
  const at = performance.now();
  get(target).then((status) => {
    inFlight--;
    if (!rec) return;
    if (status === 200) rec.ms.push(performance.now() - at);
    else {
      rec.errors++;
      rec.statuses[status] = (rec.statuses[status] ?? 0) + 1;
    }
  });
}

function tick() {
  const interval = 1000 / rate;
  const now = performance.now();
  // Catch up on every slot that is due (a timer that fired late must not thin the sampling).
  while (t0 + sent * interval <= now) fire();
  timer = setTimeout(tick, Math.max(0, t0 + sent * interval - performance.now()));
}

process.on('message', (m) => {
  if (m.cmd === 'targets') {
    targets = m.targets;
    rate = m.rate;
    t0 = performance.now();
    sent = 0;
    tick();
    process.send({ cmd: 'started' });
  } else if (m.cmd === 'phase') {
    phase = m.name;
  } else if (m.cmd === 'stop') {
    clearTimeout(timer);
    phase = null;
    // Answers still on the way belong to the phase they were sent in; give them a moment.
    const deadline = performance.now() + 10_000;
    const finish = () => {
      if (inFlight > 0 && performance.now() < deadline) return setTimeout(finish, 20);
      agent.destroy();
      process.send({ cmd: 'result', phases }, () => process.disconnect());
    };
    finish();
  }
});
