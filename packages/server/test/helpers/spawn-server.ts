import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The built binary (`npm test` builds first). */
export const SERVER_BIN = join(
  process.env.FITSYNC_REPO_ROOT ?? fileURLToPath(new URL('../../../..', import.meta.url)),
  'packages/server/bin/fitsync-server.js',
);

/** Environment for child processes: the parent's, minus any FITSYNC_* that would leak into the test. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('FITSYNC_')) env[k] = v;
  return { ...env, FITSYNC_LOG_LEVEL: 'warn', ...extra };
}

export interface SpawnedServer {
  url: string;
  proc: ChildProcess;
  stderr: () => string;
  /** SIGTERM and wait; resolves with the exit code (or the signal name). */
  stop(): Promise<number | string>;
}

/** Starts `fitsync-server start …` and waits (bounded) for the URL on its first stdout line. */
export async function spawnServer(args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<SpawnedServer> {
  const proc = spawn(process.execPath, [SERVER_BIN, 'start', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (c: Buffer) => {
    err += c.toString();
  });
  const exited = new Promise<number | string>((resolve) => proc.once('exit', (code, sig) => resolve(code ?? sig ?? -1)));
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
    const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    try {
      return await exited;
    } finally {
      clearTimeout(t);
    }
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL within ${timeoutMs} ms; stderr: ${err}`)), timeoutMs);
      const rl = createInterface({ input: proc.stdout! });
      rl.once('line', (line) => {
        clearTimeout(timer);
        resolve(line);
      });
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`server exited with ${code}; stderr: ${err}`));
      });
    });
    return { url, proc, stderr: () => err, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Runs the binary to completion with optional stdin; bounded by a timeout. */
export function runBin(
  args: string[],
  env: Record<string, string>,
  stdin?: string,
  timeoutMs = 60_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [SERVER_BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    p.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const t = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`fitsync-server ${args.join(' ')} timed out`));
    }, timeoutMs);
    p.on('exit', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
    p.stdin.end(stdin ?? '');
  });
}

/** JSON over real HTTP. */
// biome-ignore lint/suspicious/noExplicitAny: test responses are JSON the assertions navigate freely
export async function postJson(url: string, body: unknown): Promise<{ status: number; body: any }> {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}
