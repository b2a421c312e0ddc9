import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = process.env.FITSYNC_REPO_ROOT ?? fileURLToPath(new URL('../../../../', import.meta.url));
export const SERVER_BIN = join(REPO_ROOT, 'packages/server/bin/fitsync-server.js');
export const SIM_BIN = join(REPO_ROOT, 'packages/garmin-sim/bin/garmin-sim.js');
export const CLI_BIN = join(REPO_ROOT, 'packages/cli/bin/fitsync.js');
export const WEB_DIST = join(REPO_ROOT, 'packages/server/dist/web');

/** The parent's environment minus every FITSYNC_* (a developer's settings must not leak into a test). */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('FITSYNC_')) env[k] = v;
  return { ...env, FITSYNC_LOG_LEVEL: 'warn', ...extra };
}

/** Waits (bounded) for the built bundles: in a shared tree another `npm run build` may be swapping dist/. */
export async function bundlesReady(): Promise<void> {
  const files = [SERVER_BIN, join(REPO_ROOT, 'packages/server/dist/main.js'), join(REPO_ROOT, 'packages/garmin-sim/dist/main.js'), join(REPO_ROOT, 'packages/cli/dist/main.cjs'), join(WEB_DIST, 'index.html')];
  const deadline = Date.now() + 30_000;
  while (!files.every((f) => existsSync(f))) {
    if (Date.now() > deadline) throw new Error(`built files missing: ${files.filter((f) => !existsSync(f)).join(', ')} (run npm run build)`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Service {
  url: string;
  child: ChildProcess;
  logs: () => string;
}

/** Spawns a bin whose first stdout line is its base URL (the server and the sim both do). */
async function startService(name: string, args: string[], env: Record<string, string>): Promise<Service> {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let logs = '';
  child.stderr?.on('data', (c: Buffer) => {
    logs += c.toString();
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const url = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${name} did not start within 60 s:\n${logs}`)), 60_000);
    child.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`${name} exited with ${code}:\n${logs}`));
    });
    lines.once('line', (line) => {
      clearTimeout(t);
      resolve(line.trim());
    });
  });
  lines.on('line', (l) => {
    logs += `${l}\n`;
  });
  return { url, child, logs: () => logs };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(t);
}

/** A JSON call with node's fetch (the sim's control routes, the API as a second client). */
export async function httpJson(method: string, url: string, o: { body?: unknown; token?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; json: unknown; headers: Headers }> {
  const headers: Record<string, string> = { ...o.headers };
  if (o.body !== undefined) headers['content-type'] = 'application/json';
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  const res = await fetch(url, { method, headers, body: o.body === undefined ? null : JSON.stringify(o.body), signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = text;
  }
  return { status: res.status, json, headers: res.headers };
}

/**
 * The BUILT fitsync-server (SQLite in a fresh data dir, its web app from
 * packages/server/dist/web unless FITSYNC_WEB_DIR is given) with the BUILT
 * garmin-sim as Garmin: black-box, like the CLI's real-server tests.
 */
export class WebStack {
  readonly dataDir = mkdtempSync(join(tmpdir(), 'fitsync-web-e2e-'));
  url = '';
  simUrl = '';
  #server: Service | undefined;
  #sim: Service | undefined;
  #env: Record<string, string> = {};

  async start(env: Record<string, string> = {}): Promise<this> {
    await bundlesReady();
    this.#sim = await startService('garmin-sim', [SIM_BIN, '--port', '0', '--seed', 'web-e2e'], cleanEnv());
    this.simUrl = this.#sim.url;
    this.#env = cleanEnv({
      FITSYNC_DATA_DIR: this.dataDir,
      FITSYNC_GARMIN_SSO_URL: this.simUrl,
      FITSYNC_GARMIN_API_URL: this.simUrl,
      FITSYNC_GARMIN_DIAUTH_URL: this.simUrl,
      ...env,
    });
    this.#server = await startService('fitsync-server', [SERVER_BIN, 'start', '--port', '0'], this.#env);
    this.url = this.#server.url;
    return this;
  }

  /** Server output so far (for failure messages and the secrets check). */
  logs(): string {
    return this.#server?.logs() ?? '';
  }

  /** `fitsync-server user add NAME --password-stdin`. */
  addUser(name: string, password: string): void {
    const r = spawnSync(process.execPath, [SERVER_BIN, 'user', 'add', name, '--password-stdin'], { input: `${password}\n`, env: this.#env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`user add failed: ${r.stderr}`);
  }

  /** A Garmin account on the sim (`POST /__sim/users`); `mfa: 'email'` makes Garmin ask for its code. */
  async addGarminUser(spec: { email: string; password: string; mfa?: 'email' | 'sms' | null; activities?: number; days?: number; workouts?: number }): Promise<void> {
    const r = await httpJson('POST', `${this.simUrl}/__sim/users`, { body: { mfa: null, ...spec } });
    if (r.status !== 201) throw new Error(`sim user: ${r.status} ${JSON.stringify(r.json)}`);
  }

  /** The code Garmin "sent" for the latest pending sign-in of `email`. */
  async garminMfaCode(email: string): Promise<string> {
    const r = await httpJson('GET', `${this.simUrl}/__sim/users/${encodeURIComponent(email)}/mfa-code`);
    const code = (r.json as { code?: string } | null)?.code;
    if (r.status !== 200 || !code) throw new Error(`no Garmin MFA code for ${email}: ${r.status}`);
    return code;
  }

  /** A bearer token for `name` (password sign-in through the API): a second client checking what the browser did. */
  async token(name: string, password: string, code?: string): Promise<string> {
    const r = await httpJson('POST', `${this.url}/v1/auth/login`, { body: { username: name, password } });
    const body = r.json as { access_token?: string; status?: string; challenge_id?: string };
    if (body.access_token) return body.access_token;
    if (body.challenge_id && code) {
      const m = await httpJson('POST', `${this.url}/v1/auth/mfa`, { body: { challenge_id: body.challenge_id, code } });
      const mb = m.json as { access_token?: string };
      if (mb.access_token) return mb.access_token;
    }
    throw new Error(`API sign-in of ${name} failed: ${r.status} ${JSON.stringify(r.json)}`);
  }

  async close(): Promise<void> {
    if (this.#server) await stopChild(this.#server.child);
    if (this.#sim) await stopChild(this.#sim.child);
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** RFC 4648 base32 decoding (TOTP secrets). */
function base32Decode(s: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const ch of s.replace(/=+$/, '').replace(/\s/g, '').toUpperCase()) {
    const idx = alphabet.indexOf(ch);
    if (idx === -1) throw new Error('invalid base32');
    value = (value << 5) | idx;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/**
 * RFC 6238 TOTP (SHA-1, 6 digits, 30 s), computed independently of the server:
 * the same algorithm as packages/cli/test/helpers/totp.ts (a package's tests may
 * not import another's). A step is accepted once, so callers pass a later time
 * for a second code.
 */
export function totpCode(secretBase32: string, timeMs: number): string {
  const buf = Buffer.alloc(8);
  buf.writeBigUInt64BE(BigInt(Math.floor(timeMs / 1000 / 30)));
  const h = createHmac('sha1', base32Decode(secretBase32)).update(buf).digest();
  const off = (h[h.length - 1] as number) & 0x0f;
  return ((h.readUInt32BE(off) & 0x7fffffff) % 1_000_000).toString().padStart(6, '0');
}

/**
 * A stand-in for a web browser that the CLI's `$BROWSER` runs: it writes the
 * URL it was given to a file, which the test then opens in the real browser.
 */
export function recordingBrowser(dir: string): { script: string; urlFile: string; url: () => string | null } {
  const script = join(dir, 'record-browser.sh');
  const urlFile = join(dir, 'browser-url.txt');
  writeFileSync(script, `#!/bin/sh\nprintf '%s\\n' "$1" > '${urlFile}'\n`);
  chmodSync(script, 0o755);
  return {
    script,
    urlFile,
    url: () => (existsSync(urlFile) ? readFileSync(urlFile, 'utf8').trim() || null : null),
  };
}
