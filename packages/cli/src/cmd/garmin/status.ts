import type { GarminConnection } from '@fitsync/api';
import type { CommandDefinition, CommandInput } from '../../command.js';
import type { Deps } from '../../factory.js';
import { printRecord, type Scalar } from '../../output.js';
import { asGarminConnection } from '../../client/answers.js';
import { localTime } from '../../health/health-format.js';
import { timeFromNow } from '../../time-from-now.js';

export const definition: CommandDefinition = {
  group: 'garmin',
  name: 'status',
  summary: 'Show whether a Garmin Connect account is linked',
  description:
    'Status is connected, not_connected or reauth_required (Garmin stopped accepting the stored sign-in: run `fitsync garmin connect`).\n' +
    "Also shows, when known, the account's time zone (which defines its days), since when Garmin wants a new sign-in, and until when Garmin sign-ins are paused after Garmin refused them (times on your clock).\n" +
    'Exits 0 whatever the status; scripts read it with -o json.',
  usage: 'fitsync garmin status',
  flags: [],
  examples: ['fitsync garmin status', 'fitsync garmin status -o json   # {status, display_name, connected_at, reauth_required_at, time_zone, signin_blocked_until}'],
};

export type GarminStatusOptions = Record<string, never>;

export function parse(_input: CommandInput): GarminStatusOptions {
  return {};
}

const LABELS = {
  status: 'Status',
  display_name: 'Garmin account',
  connected_at: 'Connected since',
  reauth_required_at: 'Sign in again since',
  time_zone: 'Time zone',
  signin_blocked_until: 'Sign-ins paused until',
};

export async function run(_opts: GarminStatusOptions, deps: Deps): Promise<number> {
  const session = await deps.session();
  const c = asGarminConnection((await session.request('GET', '/v1/garmin/connection')).body);
  const format = await deps.output();
  const now = deps.runtime.now();
  // JSON and CSV keep the contract's fields and ISO times, for scripts; the table is for people.
  printRecord(deps.io.out, format, format === 'table' ? tableRecord(c, now) : c, LABELS);
  if (c.status === 'reauth_required') {
    const since = c.reauth_required_at ? ` (since ${localTime(c.reauth_required_at)})` : '';
    deps.io.warn(`Garmin needs you to sign in again${since}: run \`fitsync garmin connect\`.`);
  }
  const blocked = c.signin_blocked_until === null ? NaN : Date.parse(c.signin_blocked_until);
  if (blocked > now) {
    deps.io.info(`Garmin sign-ins paused until ${localTime(c.signin_blocked_until as string)} (${timeFromNow(blocked, now)}): Garmin refused sign-ins, so FitSync waits before it tries again.`);
  }
  return 0;
}

/** The fields a person reads: times on their clock; the optional ones only when present. */
function tableRecord(c: GarminConnection, now: number): Record<string, Scalar> {
  const r: Record<string, Scalar> = { status: c.status, display_name: c.display_name, connected_at: c.connected_at && localTime(c.connected_at) };
  if (c.reauth_required_at) r.reauth_required_at = localTime(c.reauth_required_at);
  if (c.time_zone) r.time_zone = c.time_zone;
  if (c.signin_blocked_until) r.signin_blocked_until = `${localTime(c.signin_blocked_until)} (${timeFromNow(Date.parse(c.signin_blocked_until), now)})`;
  return r;
}
