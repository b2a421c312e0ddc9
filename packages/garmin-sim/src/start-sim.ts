import { type Runtime, systemRuntime } from '@fitsync/runtime';
import { simTimeZone, type UserSpec } from './data/user.js';
import type { FaultRule } from './faults.js';
import { listen } from './server.js';
import { DEFAULT_CLIENT_IDS, type HealthEdit, type SimConfig, SimState, type Truth } from './sim-state.js';
import type { StatsSnapshot } from './stats.js';

export interface StartSimOptions {
  /** Seed of all generated data, tokens and fault decisions (default "fitsync"). */
  seed?: string | number;
  /** Port, 0 (default) for any free port. */
  port?: number;
  /** Host to bind (default 127.0.0.1). */
  host?: string;
  /**
   * Time (default the system's): `now` dates generated history and expires tokens and codes;
   * `sleep` waits out `slow` faults. Data and faults draw from seeded generators, not `random`.
   */
  runtime?: Runtime;
}

export interface CreatedUser {
  email: string;
  display_name: string;
  profile_id: number;
  mfa: UserSpec['mfa'];
  activities: number;
  days: number;
  workouts: number;
  odd_activities: boolean;
  time_zone: string;
}

/** A running sim. The methods do in-process what the `/__sim` control paths do over HTTP. */
export interface RunningSim {
  /** Base URL for everything (SSO, DI token endpoint, connectapi, `/__sim`), no trailing slash. */
  url: string;
  port: number;
  state: SimState;
  close(): Promise<void>;
  createUser(spec: Partial<UserSpec> & { email: string; password: string }): CreatedUser;
  /** The code of the pending MFA sign-in, or null. */
  mfaCode(email: string): string | null;
  addActivities(email: string, count: number): string[];
  truth(email: string): Truth;
  /** Changes health data (see HealthEdit); returns the changed dates, throws when the edit is refused. */
  editHealth(email: string, edit: HealthEdit): string[];
  setFaults(rules: FaultRule[]): void;
  stats(): StatsSnapshot;
  resetStats(): void;
  configure(config: Partial<SimConfig>): void;
  revokeTokens(email: string): number;
  /** Moves the sim clock forward (token expiry, MFA code expiry). */
  advanceClock(seconds: number): void;
  /** Sets the sim clock to a time (epoch ms). */
  setClock(atMs: number): void;
  /** A DI token answer for the account, as a sign-in would end (access JWT, rotating refresh token). */
  issueDiTokens(email: string, clientId?: string): DiTokenAnswer;
}

/** The DI OAuth2 token answer (diauth `oauth/token`). */
export interface DiTokenAnswer {
  access_token: string;
  refresh_token: string;
  token_type: string;
  scope: string;
  jti: string;
  expires_in: number;
  refresh_token_expires_in: number;
}

/** Starts a garmin-sim HTTP server in-process. */
export async function startSim(options: StartSimOptions = {}): Promise<RunningSim> {
  const state = new SimState(String(options.seed ?? 'fitsync'), options.runtime ?? systemRuntime);
  const { server, url } = await listen(state, options.host ?? '127.0.0.1', options.port ?? 0);
  const port = Number(new URL(url).port);
  const mustUser = (email: string) => {
    const u = state.user(email);
    if (!u) throw new Error(`garmin-sim: no user ${email}`);
    return u;
  };
  return {
    url,
    port,
    state,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
    createUser(spec) {
      if (state.user(spec.email)) throw new Error(`garmin-sim: user ${spec.email} exists`);
      if (spec.time_zone && !simTimeZone(spec.time_zone)) throw new Error(`garmin-sim: unknown time zone ${spec.time_zone}`);
      return state.createUser({ mfa: null, activities: 0, days: 30, workouts: 0, odd_activities: false, ...spec }).summary();
    },
    mfaCode(email) {
      const p = state.latestPending.get(email.toLowerCase());
      return p && p.expiresMs > state.nowMs() ? p.code : null;
    },
    addActivities: (email, count) => state.addActivities(mustUser(email), count).map((a) => a.seed.idText),
    truth: (email) => state.truth(mustUser(email)),
    editHealth(email, edit) {
      const done = state.editHealth(mustUser(email), edit);
      if ('error' in done) throw new Error(`garmin-sim: ${done.error}`);
      return done.changed;
    },
    setFaults: (rules) => state.faults.set(rules),
    stats: () => state.stats.snapshot(),
    resetStats: () => state.stats.reset(),
    configure(config) {
      state.config = { ...state.config, ...config };
    },
    revokeTokens: (email) => state.revokeTokens(email),
    advanceClock(seconds) {
      state.clockOffsetMs += seconds * 1000;
    },
    setClock: (atMs) => state.setClock(atMs),
    issueDiTokens: (email, clientId = DEFAULT_CLIENT_IDS[0]!) => state.issueTokens(mustUser(email).email, clientId) as unknown as DiTokenAnswer,
  };
}
