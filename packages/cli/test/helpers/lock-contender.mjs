// One contender of the credentials-lock stress test (test/unit/file-lock.test.ts), run as its own
// process: waits for the start signal, takes the lock, and records entering and leaving it in a
// shared log (O_APPEND, one short line per write, so lines never interleave).
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';

const [lockModule, lockPath, logPath, goPath, readyPath] = process.argv.slice(2);
const { withFileLock } = await import(lockModule);
const runtime = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  random: () => Math.random(),
};
writeFileSync(readyPath, '');
while (!existsSync(goPath)) await new Promise((r) => setTimeout(r, 1));
await withFileLock(lockPath, { runtime, timeoutMs: 120_000 }, async () => {
  appendFileSync(logPath, `enter ${process.pid}\n`);
  await new Promise((r) => setTimeout(r, 5));
  appendFileSync(logPath, `leave ${process.pid}\n`);
});
