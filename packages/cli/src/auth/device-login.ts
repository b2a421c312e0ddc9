import type { TokenPair } from '@fitsync/api';
import type { Runtime } from '@fitsync/runtime';
import { asDeviceAuthorization, asTokenPair } from '../client/answers.js';
import type { ApiClient } from '../client/client.js';
import { AuthError, CancelledError, CliError, UnavailableError } from '../errors.js';
import type { Interrupts } from '../interrupts.js';
import type { IOStreams } from '../iostreams.js';
import { Secret } from '../secret.js';
import { type BrowserCommand, browserCommand, openBrowser } from './open-browser.js';

/** RFC 8628 §3.4. */
const GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code';
/** RFC 8628 §3.5: what each slow_down adds to the interval, for good. */
const SLOW_DOWN_STEP_S = 5;
/** Network errors (or 5xx) in a row the poll rides out before giving up with exit 6. */
export const MAX_POLL_FAILURES = 3;
const SPINNER = ['|', '/', '-', '\\'];

export interface DeviceLoginDeps {
  api: ApiClient;
  io: IOStreams;
  runtime: Runtime;
  interrupts: Interrupts;
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  /** Starts the browser; replaced in tests. */
  open?: (cmd: BrowserCommand) => Promise<boolean>;
}

/**
 * `fitsync auth login --web` (RFC 8628 device authorization grant; docs/web.md "Device login"):
 * asks the server for a code pair, shows the user code and the URL on stderr (opening the browser
 * at the link that carries the code, unless `noBrowser`), and polls the token endpoint at the
 * server's interval until the user approved (the token pair), denied or let it expire (AuthError,
 * exit 3). Ctrl-C ends it with CancelledError (exit 130). The device code is a bearer secret: it
 * goes nowhere but the poll's body.
 */
export async function deviceLogin(d: DeviceLoginDeps, o: { noBrowser: boolean }): Promise<TokenPair> {
  const { api, io, runtime } = d;
  const stop = new AbortController();
  const restore = d.interrupts.once(() => stop.abort());
  try {
    const grant = asDeviceAuthorization((await api.request('POST', '/v1/auth/device', { body: { client_id: 'fitsync-cli' }, signal: stop.signal })).body);
    const deviceCode = new Secret(grant.device_code);
    io.info(`To sign in, open ${grant.verification_uri} and enter the code ${grant.user_code}`);
    io.info(`(or open ${grant.verification_uri_complete}, which carries the code)`);
    if (!o.noBrowser) await tryBrowser(d, grant.verification_uri_complete);
    return await poll(d, deviceCode, grant.interval, runtime.now() + grant.expires_in * 1000, stop.signal);
  } catch (err) {
    if (stop.signal.aborted) throw new CancelledError('Sign-in cancelled', 'run `fitsync auth login --web` to start again');
    throw err;
  } finally {
    restore();
  }
}

async function tryBrowser(d: DeviceLoginDeps, url: string): Promise<void> {
  // Only a real web address goes on a command line: from a broken server, "--flag" would be an option.
  let safe = false;
  try {
    const u = new URL(url);
    safe = (u.protocol === 'https:' || u.protocol === 'http:') && u.href === url;
  } catch {
    safe = false;
  }
  const cmd = safe ? browserCommand(url, d.env, d.platform) : undefined;
  if (!cmd) return;
  const opened = await (d.open ?? openBrowser)(cmd);
  if (!opened) d.io.info(`Could not start ${cmd.command}; open the address above yourself.`);
}

async function poll(d: DeviceLoginDeps, deviceCode: Secret, intervalS: number, expiresAt: number, signal: AbortSignal): Promise<TokenPair> {
  const { api, io, runtime } = d;
  const waiting = io.isStderrTTY() ? new WaitingLine(io, runtime, expiresAt) : undefined;
  if (!waiting) io.info('Waiting for approval…');
  let interval = Math.max(1, intervalS);
  let failures = 0;
  try {
    for (;;) {
      if (waiting) await waiting.wait(interval * 1000, signal);
      else await runtime.sleep(interval * 1000, signal);
      try {
        const res = await api.request('POST', '/v1/auth/device/token', {
          body: { grant_type: GRANT_TYPE, device_code: deviceCode.reveal() },
          signal,
        });
        return asTokenPair(res.body);
      } catch (err) {
        if (signal.aborted) throw err;
        const code = err instanceof CliError ? err.api?.code : undefined;
        if (code === 'authorization_pending') {
          failures = 0;
          continue;
        }
        if (code === 'slow_down') {
          failures = 0;
          interval += SLOW_DOWN_STEP_S;
          continue;
        }
        if (code === 'access_denied') throw new AuthError('The sign-in request was denied', 'run `fitsync auth login --web` to try again');
        if (code === 'expired_token') throw new AuthError('The code expired before it was approved', 'run `fitsync auth login --web` to get a new one');
        if (code === 'invalid_grant') throw new AuthError('The server no longer knows this sign-in request', 'run `fitsync auth login --web` again');
        // The network or the server failed (not an answer about the request): ride out a few.
        if (err instanceof UnavailableError && ++failures < MAX_POLL_FAILURES) {
          waiting?.clear();
          io.info(`${err.message}; trying again`);
          continue;
        }
        throw err;
      }
    }
  } finally {
    waiting?.clear();
  }
}

/** A line redrawn in place on a terminal while we wait: a spinner and the time left. */
class WaitingLine {
  #frame = 0;
  #drawn = false;
  constructor(
    private readonly io: IOStreams,
    private readonly runtime: Runtime,
    private readonly expiresAt: number,
  ) {}

  /** Waits `ms`, redrawing once a second. */
  async wait(ms: number, signal: AbortSignal): Promise<void> {
    const until = this.runtime.now() + ms;
    for (;;) {
      this.draw();
      const left = until - this.runtime.now();
      if (left <= 0) return;
      await this.runtime.sleep(Math.min(1000, left), signal);
    }
  }

  clear(): void {
    if (!this.#drawn) return;
    this.io.err.write('\r\u001b[2K');
    this.#drawn = false;
  }

  private draw(): void {
    const s = Math.max(0, Math.ceil((this.expiresAt - this.runtime.now()) / 1000));
    const left = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
    const spin = SPINNER[this.#frame++ % SPINNER.length];
    this.io.err.write(`\r\u001b[2K${spin} Waiting for approval in the browser… (code valid for ${left}; Ctrl-C to stop)`);
    this.#drawn = true;
  }
}
