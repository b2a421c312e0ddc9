import type { GarminConnected, GarminMfaRequired } from '@fitsync/api';
import { AuthError } from '../../errors.js';
import type { IOStreams } from '../../iostreams.js';
import type { Prompter } from '../../prompter.js';
import type { Secret } from '../../secret.js';
import type { Session } from '../../session.js';
import { garminError } from './garmin-errors.js';
import { asGarminConnectAnswer, asGarminConnected } from '../../client/answers.js';

/** Interactive tries per challenge (spec: "up to 3 tries while the challenge is valid"). */
export const GARMIN_CODE_TRIES = 3;
/** An expired challenge starts one new sign-in (Garmin sends a new code); bounded, never a loop. */
const MAX_RESTARTS = 1;

/** Where Garmin's code comes from once the server asks for it. */
export type GarminCodeInput = { kind: 'prompt'; prompter: Prompter; io: IOStreams } | { kind: 'none' };

export type GarminLinkResult = GarminConnected | GarminMfaRequired;

async function put(session: Session, email: string, password: Secret): Promise<GarminLinkResult> {
  try {
    const res = await session.request('PUT', '/v1/garmin/connection', { body: { email, password: password.reveal() } });
    return asGarminConnectAnswer(res.body);
  } catch (err) {
    throw garminError(err);
  }
}

/** POST /v1/garmin/connection/mfa with one code. */
export async function sendGarminCode(session: Session, challengeId: string, code: string): Promise<GarminConnected> {
  try {
    const res = await session.request('POST', '/v1/garmin/connection/mfa', { body: { challenge_id: challengeId, code } });
    return asGarminConnected(res.body);
  } catch (err) {
    throw garminError(err);
  }
}

/**
 * The linking conversation: the password goes to the server; when Garmin asks for its code the
 * server returns a challenge, and — on a terminal — the code is asked for in the same run. Without
 * a way to ask, the challenge is returned for the caller to print (the two-step flow).
 */
export async function linkGarmin(session: Session, email: string, password: Secret, code: GarminCodeInput): Promise<GarminLinkResult> {
  for (let restart = 0; ; restart++) {
    const first = await put(session, email, password);
    if (first.status === 'connected' || code.kind === 'none') return first;
    try {
      return await askGarminCode(session, first.challenge_id, code.prompter, code.io);
    } catch (err) {
      const expired = err instanceof AuthError && err.api?.code === 'mfa_challenge_expired';
      if (!expired || restart >= MAX_RESTARTS) throw err;
      code.io.info('The Garmin code expired; signing in to Garmin again (Garmin sends a new code).');
    }
  }
}

/** Asks for Garmin's code up to {@link GARMIN_CODE_TRIES} times while the challenge lives. */
export async function askGarminCode(session: Session, challengeId: string, prompter: Prompter, io: IOStreams): Promise<GarminConnected> {
  let left = GARMIN_CODE_TRIES;
  for (;;) {
    const answer = (await prompter.text('Code Garmin sent you: ')).trim();
    if (answer === '') {
      io.info('Please enter the code from Garmin’s email or text message.');
      continue;
    }
    try {
      return await sendGarminCode(session, challengeId, answer);
    } catch (err) {
      if (!(err instanceof AuthError && err.api?.code === 'invalid_mfa_code')) throw err;
      left = Math.min(left - 1, err.api.attemptsLeft ?? left - 1);
      if (left <= 0) throw new AuthError('Garmin rejected the code; no attempts left', 'run `fitsync garmin connect` to try again');
      io.info(`Garmin rejected the code, ${left} attempt${left === 1 ? '' : 's'} left`);
    }
  }
}
