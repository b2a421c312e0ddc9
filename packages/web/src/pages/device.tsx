// The browser half of `fitsync auth login --web` (RFC 8628): the signed-in user checks the code
// their terminal shows, then approves or denies that device's sign-in.
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { ApiError, apiSend, session } from '../api.js';
import type { PageProps } from '../router.js';
import { Alert, Button, Field, formatDateTime, Status } from '../ui.js';
import { normalizeUserCode } from '../user-code.js';

interface Pending {
  user_code: string;
  requested_at: string;
  expires_in: number;
}

export default function Page(props: PageProps): JSX.Element {
  const [code, setCode] = useState(() => normalizeUserCode(props.query.get('user_code') ?? ''));
  const [pending, setPending] = useState<Pending | null>(null);
  const [outcome, setOutcome] = useState<'approved' | 'denied' | null>(null);
  const [busy, setBusy] = useState<'continue' | 'approve' | 'deny' | null>(null);
  const [error, setError] = useState<unknown>(null);

  const verify = async (e: Event) => {
    e.preventDefault();
    const userCode = normalizeUserCode(code);
    if (!userCode) return setError(new Error('Enter the code your terminal shows.'));
    setBusy('continue');
    setError(null);
    try {
      setPending(await apiSend<Pending>('POST', '/v1/auth/device/verify', { user_code: userCode }));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  };

  const decide = async (action: 'approve' | 'deny') => {
    if (!pending) return;
    setBusy(action);
    setError(null);
    try {
      const r = await apiSend<{ status: 'approved' | 'denied' }>('POST', '/v1/auth/device/approve', { user_code: pending.user_code, action });
      setOutcome(r.status);
    } catch (err) {
      setError(err);
      // The code expired or was used meanwhile: ask for a new one from the terminal.
      if (err instanceof ApiError && err.status === 404) setPending(null);
    } finally {
      setBusy(null);
    }
  };

  const who = session()?.user.username;
  return (
    <>
      <h1>Sign in a device</h1>
      <Alert error={error ?? undefined} />
      {outcome ? (
        <Status tone={outcome === 'approved' ? 'ok' : 'warn'}>
          {outcome === 'approved' ? 'Device signed in. You can close this page and return to your terminal.' : 'Request denied.'}
        </Status>
      ) : pending ? (
        <div class="panel">
          <p>A device asks to sign in to FitSync as you{who ? ` (${who})` : ''}. Approve only if this is the code your terminal shows:</p>
          <p class="user-code">{pending.user_code}</p>
          <p class="muted">{`Requested ${formatDateTime(pending.requested_at)}; the code expires in ${Math.max(1, Math.round(pending.expires_in / 60))} min.`}</p>
          <div class="actions">
            <Button onClick={() => decide('approve')} busy={busy === 'approve'} disabled={busy !== null}>
              Approve
            </Button>
            <Button variant="danger" onClick={() => decide('deny')} busy={busy === 'deny'} disabled={busy !== null}>
              Deny
            </Button>
          </div>
        </div>
      ) : (
        <form class="narrow" onSubmit={verify} noValidate>
          <p>
            Enter the code that <code>fitsync auth login --web</code> shows in your terminal.
          </p>
          <Field
            label="Code from your terminal"
            value={code}
            onValue={setCode}
            autocomplete="off"
            autocapitalize="characters"
            spellcheck={false}
            placeholder="XXXX-XXXX"
            class="code"
          />
          <div class="actions">
            <Button type="submit" busy={busy === 'continue'}>
              Continue
            </Button>
          </div>
        </form>
      )}
    </>
  );
}
