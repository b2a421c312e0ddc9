import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = process.env.FITSYNC_REPO_ROOT ?? fileURLToPath(new URL('../../../../', import.meta.url));
export const CLI_BIN = join(REPO_ROOT, 'packages/cli/bin/fitsync.js');
const SERVER_BIN = join(REPO_ROOT, 'packages/server/bin/fitsync-server.js');

/**
 * Waits (bounded) until both bundles exist: in a shared working tree another
 * `npm run build` may be rewriting dist/ at this moment.
 */
export async function bundlesReady(): Promise<void> {
  const files = [join(REPO_ROOT, 'packages/cli/dist/main.cjs'), join(REPO_ROOT, 'packages/server/dist/main.js')];
  const deadline = Date.now() + 30_000;
  while (!files.every((f) => existsSync(f))) {
    if (Date.now() > deadline) throw new Error(`bundles missing: ${files.join(', ')} (run npm run build)`);
    await new Promise((r) => setTimeout(r, 100));
  }
  // Give a build that just recreated main.js time to finish writing its chunks.
  await new Promise((r) => setTimeout(r, 50));
}

/**
 * The real `fitsync-server` binary on port 0 with a fresh data dir (black-box:
 * the CLI and its tests never import server code). Logs are collected so the
 * secrets test can search them.
 */
export class RealServer {
  url = '';
  logs = '';
  readonly dataDir: string;
  #child: ChildProcess | undefined;
  readonly #env: NodeJS.ProcessEnv;

  constructor(env: NodeJS.ProcessEnv = {}) {
    this.dataDir = mkdtempSync(join(tmpdir(), 'fitsync-e2e-server-'));
    this.#env = { ...process.env, FITSYNC_SECRET_KEY: '', ...env };
  }

  async start(): Promise<this> {
    await bundlesReady();
    const child = spawn(process.execPath, [SERVER_BIN, 'start', '--port', '0', '--data-dir', this.dataDir], {
      env: this.#env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child = child;
    child.stderr?.on('data', (c: Buffer) => {
      this.logs += c.toString();
    });
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    this.url = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`server did not start in time:\n${this.logs}`)), 60_000);
      child.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${this.logs}`)));
      lines.once('line', (line) => {
        clearTimeout(t);
        resolve(line.trim());
      });
    });
    lines.on('line', (l) => {
      this.logs += `${l}\n`;
    });
    return this;
  }

  /** `fitsync-server user add NAME --password-stdin`. */
  async addUser(name: string, password: string): Promise<void> {
    await bundlesReady();
    const r = spawnSync(process.execPath, [SERVER_BIN, 'user', 'add', name, '--password-stdin', '--data-dir', this.dataDir], {
      input: `${password}\n`,
      env: this.#env,
      encoding: 'utf8',
    });
    this.logs += r.stdout + r.stderr;
    if (r.status !== 0) throw new Error(`user add failed: ${r.stderr}`);
  }

  async metric(name: string): Promise<number> {
    const text = (await httpJson('GET', `${this.url}/metrics`)).text;
    const m = new RegExp(`^${name} (\\d+)`, 'm').exec(text);
    if (!m) throw new Error(`metric ${name} not found`);
    return Number(m[1]);
  }

  async stop(): Promise<void> {
    const child = this.#child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(t);
    }
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** A raw HTTP call, for what a test does "by hand" (replaying a refresh token). */
export function httpJson(method: string, url: string, body?: unknown): Promise<{ status: number; text: string; json: unknown }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(url, { method, headers: payload ? { 'content-type': 'application/json' } : {} }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => {
        text += c.toString();
      });
      res.on('end', () => {
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, text, json });
      });
    });
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(payload);
  });
}

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** Runs the BUILT CLI as a child process (black-box tier). */
export async function runCli(args: string[], o: { configDir: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number }): Promise<CliResult> {
  await bundlesReady();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], {
      env: { PATH: process.env.PATH, HOME: o.configDir, FITSYNC_CONFIG_DIR: o.configDir, ...o.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const output = collectOutput(child);
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`fitsync ${args.join(' ')} timed out; stderr: ${output.err()}`));
    }, o.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(t);
      resolve({ code: code ?? -1, out: output.out(), err: output.err() });
    });
    // A CLI that ends before reading its stdin (a command that needs none, or one refused at once)
    // breaks the pipe: EPIPE then, unhandled, failed the test on a loaded machine instead of letting
    // it judge the exit code and output. Any other stdin error still fails it.
    child.stdin.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') reject(err);
    });
    child.stdin.end(o.input ?? '');
  });
}

/** Collects a child's stdout and stderr as text; `onErr` gets all of stderr so far after each chunk. */
export function collectOutput(child: ChildProcess, onErr?: (err: string) => void): { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    err += c.toString();
    onErr?.(err);
  });
  return { out: () => out, err: () => err };
}

export function tempDir(prefix = 'fitsync-e2e-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function readCredentialsFile(configDir: string): string {
  return readFileSync(join(configDir, 'credentials.toml'), 'utf8');
}

/** A TOML string value from credentials.toml (test-side parsing, on purpose independent of the CLI's). */
export function credentialValue(configDir: string, key: string): string {
  const m = new RegExp(`^${key} = "([^"]+)"`, 'm').exec(readCredentialsFile(configDir));
  if (!m?.[1]) throw new Error(`${key} not in credentials.toml`);
  return m[1];
}
