// Password, then (when the account has MFA) the authenticator or a recovery code. The password
// lives in component state only until it is sent.
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, apiSend, type Me, session, setSession } from '../api.js';
import { navigate, type PageProps, safeNext } from '../router.js';
import { Alert, Button, Field } from '../ui.js';

type Answer =
  | { status: 'authenticated'; user: Me; csrf_token: string }
  | { status: 'mfa_required'; challenge_id: string; methods: string[]; expires_in: number };

export default function Page(props: PageProps): JSX.Element {
  const next = safeNext(props.query.get('next'));
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [challenge, setChallenge] = useState<string | null>(null);
  const [recovery, setRecovery] = useState(false);
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const codeRef = useRef<HTMLDivElement>(null);

  // Already signed in (e.g. the back button): go on.
  useEffect(() => {
    if (session()) navigate(next, { replace: true });
  }, [next]);

  // The MFA step and the recovery switch move focus to the new field.
  useEffect(() => {
    if (challenge) codeRef.current?.querySelector('input')?.focus();
  }, [challenge, recovery]);

  const done = (a: Answer) => {
    if (a.status !== 'authenticated') return;
    setSession({ user: a.user, csrfToken: a.csrf_token });
    navigate(next, { replace: true });
  };

  const signIn = async (e: Event) => {
    e.preventDefault();
    if (!username.trim() || !password) {
      setError(new Error('Enter your username and password.'));
      return;
    }
    const secret = password;
    setPassword(''); // not kept after submit, whatever the answer
    setBusy(true);
    setError(null);
    try {
      const a = await apiSend<Answer>('POST', '/v1/web/session', { username: username.trim(), password: secret });
      if (a.status === 'mfa_required') {
        setChallenge(a.challenge_id);
        setRecovery(false);
        setCode('');
      } else done(a);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const verify = async (e: Event) => {
    e.preventDefault();
    const value = code.trim();
    if (!value) {
      setError(new Error(recovery ? 'Enter a recovery code.' : 'Enter the code from your authenticator app.'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const body = recovery ? { challenge_id: challenge, recovery_code: value } : { challenge_id: challenge, code: value.replace(/\s/g, '') };
      done(await apiSend<Answer>('POST', '/v1/web/session/mfa', body));
    } catch (err) {
      setCode('');
      if (err instanceof ApiError && (err.status === 410 || err.code === 'mfa_challenge_expired')) {
        // The challenge is gone (expired or used up): start over with the password.
        setChallenge(null);
      }
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="narrow-page">
      <h1>Sign in to FitSync</h1>
      <Alert error={error ?? undefined} />
      {challenge === null ? (
        <form class="narrow" onSubmit={signIn} noValidate>
          <Field label="Username" value={username} onValue={setUsername} name="username" autocomplete="username" autocapitalize="none" spellcheck={false} required />
          <Field label="Password" type="password" value={password} onValue={setPassword} name="password" autocomplete="current-password" required />
          <div class="actions">
            <Button type="submit" busy={busy}>
              Sign in
            </Button>
          </div>
        </form>
      ) : (
        <form class="narrow" onSubmit={verify} noValidate>
          <div ref={codeRef}>
            {recovery ? (
              <Field
                key="recovery"
                label="Recovery code"
                hint="One of the recovery codes you saved when you turned on two-factor authentication. Each works once."
                value={code}
                onValue={setCode}
                autocomplete="off"
                autocapitalize="none"
                spellcheck={false}
                required
              />
            ) : (
              <Field
                key="totp"
                label="Authentication code"
                hint="The 6-digit code from your authenticator app."
                value={code}
                onValue={setCode}
                inputMode="numeric"
                autocomplete="one-time-code"
                required
              />
            )}
          </div>
          <div class="actions">
            <Button type="submit" busy={busy}>
              Verify
            </Button>
            <Button
              variant="secondary"
              onClick={() => {
                setRecovery(!recovery);
                setCode('');
                setError(null);
              }}
            >
              {recovery ? 'Use an authentication code instead' : 'Use a recovery code instead'}
            </Button>
          </div>
        </form>
      )}
    </div>
  );
}
