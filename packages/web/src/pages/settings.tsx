// Two-factor authentication (TOTP enrolment with a QR code, recovery codes, turning it off) and
// the Garmin Connect link (with Garmin's own MFA step).
import type { GarminConnection, GarminConnectResponse, RecoveryCodes, TotpSetup } from '@fitsync/api';
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { apiGet, apiSend, type Me, session, setSession } from '../api.js';
import { Alert, Button, Field, Loading, Status } from '../ui.js';

export default function Page(): JSX.Element {
  return (
    <>
      <h1>Settings</h1>
      <TwoFactor />
      <Garmin />
    </>
  );
}

type MfaState =
  | { step: 'loading' }
  | { step: 'off' }
  | { step: 'enrolling'; setup: TotpSetup; qr: string | null }
  | { step: 'codes'; codes: string[] }
  | { step: 'on' };

function rememberMfa(enabled: boolean): void {
  const s = session();
  if (s) setSession({ ...s, user: { ...s.user, mfa_enabled: enabled } });
}

function TwoFactor(): JSX.Element {
  const [state, setState] = useState<MfaState>({ step: 'loading' });
  const [code, setCode] = useState('');
  const [note, setNote] = useState<string | null>(null);
  const { busy, error, setError, run } = useAction(() => setNote(null));
  const focusRef = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    apiGet<Me>('/v1/me').then(
      (me) => setState({ step: me.mfa_enabled ? 'on' : 'off' }),
      (err) => setError(err),
    );
  }, []);

  const begin = () =>
    run(async () => {
      const setup = await apiSend<TotpSetup>('POST', '/v1/mfa/totp');
      setCode('');
      setState({ step: 'enrolling', setup, qr: null });
      try {
        const { qrDataUrl } = await import('../qr.js');
        setState({ step: 'enrolling', setup, qr: qrDataUrl(setup.otpauth_uri) });
      } catch {
        // Without the picture the secret below still works: type it into the app.
      }
    });

  const confirm = (e: Event) => {
    e.preventDefault();
    const value = code.replace(/\s/g, '');
    if (!value) return setError(new Error('Enter the code from your authenticator app.'));
    return run(async () => {
      // This session stays signed in; the server signs out every other one (they had only the password).
      const r = await apiSend<RecoveryCodes>('POST', '/v1/mfa/totp/confirm', { code: value });
      setCode('');
      rememberMfa(true);
      setState({ step: 'codes', codes: r.recovery_codes });
    });
  };

  const turnOff = (e: Event) => {
    e.preventDefault();
    const value = code.trim();
    if (!value) return setError(new Error('Enter a code from your authenticator app or a recovery code.'));
    // Six digits are an app code; anything else is taken as a recovery code.
    const body = /^\d{6}$/.test(value.replace(/\s/g, '')) ? { code: value.replace(/\s/g, '') } : { recovery_code: value };
    return run(async () => {
      await apiSend('DELETE', '/v1/mfa/totp', body);
      setCode('');
      rememberMfa(false);
      setState({ step: 'off' });
      setNote('Two-factor authentication is off.');
    });
  };

  useEffect(() => {
    if (state.step === 'codes') focusRef.current?.focus();
  }, [state.step]);

  return (
    <section aria-labelledby="mfa-h">
      <h2 id="mfa-h">Two-factor authentication</h2>
      <Alert error={error ?? undefined} />
      {note && <Status tone="ok">{note}</Status>}
      {state.step === 'loading' && !error && <Loading />}
      {state.step === 'off' && (
        <div class="panel">
          <p>Protect your account with a code from an authenticator app each time you sign in.</p>
          <Button onClick={begin} busy={busy}>
            Turn on two-factor authentication
          </Button>
        </div>
      )}
      {state.step === 'enrolling' && (
        <form onSubmit={confirm} noValidate>
          <p>Scan this QR code with your authenticator app, then enter the code it shows.</p>
          {state.qr ? <img class="qr" src={state.qr} alt="QR code for your authenticator app" width={224} height={224} /> : <Loading label="Drawing the QR code…" />}
          <p>
            Or type this secret into the app: <span class="secret">{state.setup.secret}</span>
          </p>
          <Field
            label="Authentication code"
            value={code}
            onValue={setCode}
            inputMode="numeric"
            autocomplete="one-time-code"
            hint="The 6-digit code your app shows for FitSync."
          />
          <div class="actions">
            <Button type="submit" busy={busy}>
              Confirm
            </Button>
          </div>
        </form>
      )}
      {state.step === 'codes' && (
        <div class="panel">
          <h3 id="codes-h" ref={focusRef} tabIndex={-1}>
            Recovery codes
          </h3>
          <p>
            Two-factor authentication is now on. Keep these codes somewhere safe: each signs you in once if you lose your
            authenticator app. They are shown only now.
          </p>
          <ul class="codes" aria-labelledby="codes-h">
            {state.codes.map((c) => (
              <li key={c}>{c}</li>
            ))}
          </ul>
          <Button onClick={() => setState({ step: 'on' })}>Done</Button>
        </div>
      )}
      {state.step === 'on' && (
        <form onSubmit={turnOff} noValidate>
          <p>Two-factor authentication is on</p>
          <Field
            label="Authentication code"
            value={code}
            onValue={setCode}
            autocomplete="one-time-code"
            hint="A code from your authenticator app, or one of your recovery codes, to turn it off."
          />
          <div class="actions">
            <Button type="submit" variant="danger" busy={busy}>
              Turn off two-factor authentication
            </Button>
          </div>
        </form>
      )}
    </section>
  );
}

type GarminState =
  | { step: 'loading' }
  | { step: 'unlinked'; reauth: boolean }
  | { step: 'code'; challengeId: string }
  | { step: 'linked'; name: string };

function Garmin(): JSX.Element {
  const [state, setState] = useState<GarminState>({ step: 'loading' });
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const { busy, error, setError, run } = useAction();

  useEffect(() => {
    apiGet<GarminConnection>('/v1/garmin/connection').then(
      (c) =>
        setState(
          c.status === 'connected'
            ? { step: 'linked', name: c.display_name ?? 'your account' }
            : { step: 'unlinked', reauth: c.status === 'reauth_required' },
        ),
      (err) => setError(err),
    );
  }, []);

  const link = (e: Event) => {
    e.preventDefault();
    if (!email.trim() || !password) return setError(new Error('Enter your Garmin email and password.'));
    const secret = password;
    setPassword(''); // not kept after submit
    return run(async () => {
      const r = await apiSend<GarminConnectResponse>('PUT', '/v1/garmin/connection', { email: email.trim(), password: secret });
      if (r.status === 'mfa_required') {
        setCode('');
        setState({ step: 'code', challengeId: r.challenge_id });
      } else setState({ step: 'linked', name: r.display_name });
    });
  };

  const sendCode = (e: Event) => {
    e.preventDefault();
    if (state.step !== 'code') return;
    const value = code.replace(/\s/g, '');
    if (!value) return setError(new Error('Enter the code Garmin sent you.'));
    return run(async () => {
      try {
        const r = await apiSend<GarminConnectResponse>('POST', '/v1/garmin/connection/mfa', { challenge_id: state.challengeId, code: value });
        if (r.status === 'connected') setState({ step: 'linked', name: r.display_name });
      } catch (err) {
        setCode('');
        // Garmin's challenge expired or used up its attempts: start again from the password.
        if ((err as { status?: number }).status === 410) setState({ step: 'unlinked', reauth: false });
        throw err;
      }
    });
  };

  const disconnect = () =>
    run(async () => {
      await apiSend('DELETE', '/v1/garmin/connection');
      setState({ step: 'unlinked', reauth: false });
    });

  return (
    <section aria-labelledby="garmin-h">
      <h2 id="garmin-h">Garmin Connect</h2>
      <Alert error={error ?? undefined} />
      {state.step === 'loading' && !error && <Loading />}
      {state.step === 'unlinked' && (
        <form onSubmit={link} noValidate>
          <p>
            {state.reauth
              ? 'Garmin no longer accepts the stored sign-in. Sign in to Garmin again to keep syncing.'
              : 'Sign in to Garmin Connect so FitSync can fetch your data. Your Garmin password is used once and not stored.'}
          </p>
          <Field label="Garmin email" type="email" value={email} onValue={setEmail} autocomplete="username" autocapitalize="none" spellcheck={false} />
          <Field label="Garmin password" type="password" value={password} onValue={setPassword} autocomplete="current-password" />
          <div class="actions">
            <Button type="submit" busy={busy}>
              Link Garmin
            </Button>
          </div>
        </form>
      )}
      {state.step === 'code' && (
        <form onSubmit={sendCode} noValidate>
          <p>Garmin sent a code to your email or phone. Enter it to finish linking.</p>
          <Field label="Garmin code" value={code} onValue={setCode} inputMode="numeric" autocomplete="one-time-code" />
          <div class="actions">
            <Button type="submit" busy={busy}>
              Send code
            </Button>
          </div>
        </form>
      )}
      {state.step === 'linked' && (
        <div class="panel">
          <p>{`Linked to Garmin as ${state.name}`}</p>
          <Button variant="secondary" onClick={disconnect} busy={busy}>
            Disconnect Garmin
          </Button>
        </div>
      )}
    </section>
  );
}

/**
 * One action of a section at a time: `run` marks the section busy, clears the last error (and
 * whatever `clear` clears), and shows the action's error if it fails.
 */
function useAction(clear?: () => void) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = async (fn: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    clear?.();
    try {
      await fn();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, setError, run };
}
