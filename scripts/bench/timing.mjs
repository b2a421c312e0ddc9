// Wall-time helpers for the CLI start-up benchmarks: whole processes, median of
// interleaved runs, so background load hits the baseline and the candidate alike.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

/** Throws unless a spawnSync result exited 0. */
export function must(r, what) {
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status}): ${r.stderr}`);
  return r;
}

function timeOnce([cmd, args, env]) {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  must(r, `${cmd} ${args.join(' ')}`);
  return ms;
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Interleaved runs of a baseline and a candidate `[cmd, args, env]`; returns both medians (ms). */
export function pair(base, cand, { runs, warmup }) {
  for (let i = 0; i < warmup; i++) {
    timeOnce(base);
    timeOnce(cand);
  }
  const a = [];
  const b = [];
  for (let i = 0; i < runs; i++) {
    a.push(timeOnce(base));
    b.push(timeOnce(cand));
  }
  return { base: median(a), cand: median(b) };
}

/** Starts a binary whose first stdout line is its URL. */
export async function startService(args, env) {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${args[0]} did not start within 30 s`)), 30_000);
    child.once('exit', (c) => reject(new Error(`${args[0]} exited with ${c}`)));
    lines.once('line', (l) => {
      clearTimeout(t);
      resolve(l.trim());
    });
  });
  child.stdout.resume();
  child.stderr.resume();
  return { child, url };
}

/** Source of the floor: one authenticated GET with plain node:http and nothing else (URL, PATH_ONLY, TOKEN from env). */
export const PLAIN_GET_SOURCE = `import { request } from 'node:http';
const req = request(process.env.URL + process.env.PATH_ONLY, { headers: { authorization: 'Bearer ' + process.env.TOKEN } }, (res) => {
  let body = '';
  res.on('data', (c) => { body += c; });
  res.on('end', () => { process.stdout.write(body + '\\n'); process.exitCode = res.statusCode === 200 ? 0 : 1; });
});
req.end();
`;

/** CPU seconds (user + system, all threads) a process has used, from /proc; null where /proc is missing. */
export function cpuSeconds(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return null;
  }
}
