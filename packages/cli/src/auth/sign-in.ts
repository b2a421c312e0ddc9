import type { MfaChallenge, TokenPair } from '@fitsync/api';
import type { ApiClient } from '../client/client.js';
import { asLoginResponse, asTokenPair } from '../client/answers.js';
import { AuthError, UsageError } from '../errors.js';
import type { IOStreams } from '../iostreams.js';
import type { Prompter } from '../prompter.js';
import type { Secret } from '../secret.js';

/** How the second factor is obtained. */
export type MfaInput =
  | { kind: 'code'; code: Secret }
  | { kind: 'recovery'; code: Secret }
  | { kind: 'prompt'; prompter: Prompter; io: IOStreams }
  | { kind: 'none'; missingHint: string };

/** Interactive tries per challenge (spec: "up to 3 tries while the challenge is valid"). */
export const MFA_TRIES = 3;
/** An expired challenge restarts the sign-in; bounded so a broken server cannot loop us. */
const MAX_RESTARTS = 3;

/**
 * The sign-in conversation (spec: POST /v1/auth/login, then /v1/auth/mfa when
 * the server demands it). Never sees flags: the command decides where the
 * password and code come from. The password is sent again on a restart after an
 * expired challenge, without asking the user for it.
 */
export async function signIn(api: ApiClient, username: string, password: Secret, mfa: MfaInput): Promise<TokenPair> {
  for (let restart = 0; ; restart++) {
    const res = await api.request('POST', '/v1/auth/login', { body: { username, password: password.reveal() } });
    const login = asLoginResponse(res.body);
    if (login.status === 'authenticated') return login;
    try {
      return await answerChallenge(api, login, mfa);
    } catch (err) {
      const expired = err instanceof AuthError && err.api?.code === 'mfa_challenge_expired';
      if (!expired || restart + 1 >= MAX_RESTARTS) throw err;
      if (mfa.kind === 'prompt') mfa.io.info('The sign-in challenge expired; starting again.');
    }
  }
}

async function answerChallenge(api: ApiClient, ch: MfaChallenge, mfa: MfaInput): Promise<TokenPair> {
  const send = async (kind: 'code' | 'recovery', code: string) => {
    const body = kind === 'code' ? { challenge_id: ch.challenge_id, code } : { challenge_id: ch.challenge_id, recovery_code: code };
    return asTokenPair((await api.request('POST', '/v1/auth/mfa', { body })).body);
  };
  if (mfa.kind === 'code') return send('code', mfa.code.reveal());
  if (mfa.kind === 'recovery') return send('recovery', mfa.code.reveal());
  if (mfa.kind === 'none') throw new UsageError(`MFA code required: ${mfa.missingHint}`);
  const { prompter, io } = mfa;
  const canRecover = ch.methods.includes('recovery_code');
  let useRecovery = false;
  let left = MFA_TRIES;
  for (;;) {
    const label = useRecovery
      ? 'Recovery code: '
      : `Authentication code from your app${canRecover ? ' (or "r" to use a recovery code)' : ''}: `;
    const answer = (await prompter.text(label)).trim();
    if (!useRecovery && canRecover && /^r(ecovery)?$/i.test(answer)) {
      useRecovery = true;
      continue;
    }
    if (answer === '') {
      io.info('Please enter a code.');
      continue;
    }
    try {
      return await send(useRecovery ? 'recovery' : 'code', answer);
    } catch (err) {
      if (!(err instanceof AuthError && err.api?.code === 'invalid_mfa_code')) throw err;
      left = Math.min(left - 1, err.api.attemptsLeft ?? left - 1);
      if (left <= 0) throw new AuthError('Invalid code; no attempts left', 'run `fitsync auth login` to try again');
      io.info(`Invalid code, ${left} attempt${left === 1 ? '' : 's'} left`);
    }
  }
}
