// The shell: main navigation, the page for the current address, the sign-in guard, sign-out.
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, apiSend, onSession, session, setSession } from './api.js';
import { matchRoute, navigate, onNavigate, type PageComponent, signInHref } from './router.js';
import { ROUTES } from './routes.js';
import { Alert, Button, errorText, Loading } from './ui.js';

const NAV = [
  { href: '/sync', label: 'Sync' },
  { href: '/activities', label: 'Activities' },
  { href: '/health', label: 'Health' },
  { href: '/settings', label: 'Settings' },
] as const;

function where(): { path: string; query: URLSearchParams } {
  return { path: location.pathname, query: new URLSearchParams(location.search) };
}

export function App(): JSX.Element {
  const [loc, setLoc] = useState(where);
  const [signedIn, setSignedIn] = useState(() => session() !== null);
  useEffect(() => onNavigate(() => setLoc(where())), []);
  useEffect(() => onSession(() => setSignedIn(session() !== null)), []);

  const match = matchRoute(ROUTES, loc.path);
  // Redirects run after render; until then nothing of a guarded page is shown.
  const redirect =
    loc.path === '/' ? '/sync' : match && !match.route.public && !signedIn ? signInHref(loc.path + location.search) : null;
  useEffect(() => {
    if (redirect) navigate(redirect, { replace: true });
  }, [redirect]);
  // After an in-app navigation, focus goes to the new page (as a page load would put it at the
  // top) so keyboard and screen-reader users start there; not on the visit's first page.
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    document.getElementById('main')?.focus();
  }, [loc.path]);
  const title = match ? match.route.title : 'Page not found';
  useEffect(() => {
    document.title = `${title} – FitSync`;
  }, [title]);

  return (
    <>
      <a class="skip" href="#main" data-native>
        Skip to content
      </a>
      <header class="top">
        <div class="top-inner">
          {/* Not a link: "FitSync" would be a second link whose name contains "Sync". */}
          <span class="brand">
            <img src="/favicon.svg" alt="" width={24} height={24} />
            FitSync
          </span>
          {signedIn && <MainNav path={loc.path} />}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {redirect ? null : match ? (
          <PageHost key={match.route.pattern} load={match.route.load} params={match.params} query={loc.query} />
        ) : (
          <NotFound />
        )}
      </main>
    </>
  );
}

function MainNav(props: { path: string }): JSX.Element {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const signOut = async () => {
    setBusy(true);
    setError(null);
    try {
      await apiSend('DELETE', '/v1/web/session');
    } catch (err) {
      // An already ended session is signed out all the same; anything else is worth saying.
      if (!(err instanceof ApiError && err.status === 401)) {
        setBusy(false);
        setError(`Could not sign out: ${errorText(err)}`);
        return;
      }
    }
    setSession(null);
    navigate('/sign-in', { replace: true });
  };
  return (
    <nav aria-label="Main">
      <ul>
        {NAV.map((n) => {
          const here = props.path === n.href || props.path.startsWith(`${n.href}/`);
          return (
            <li key={n.href}>
              <a href={n.href} aria-current={here ? 'page' : undefined}>
                {n.label}
              </a>
            </li>
          );
        })}
        <li>
          <Button variant="secondary" class="signout" onClick={signOut} busy={busy}>
            Sign out
          </Button>
        </li>
      </ul>
      {error && <Alert>{error}</Alert>}
    </nav>
  );
}

/** Loads a page's chunk, then renders it; moves focus to the new page for keyboard and screen-reader users. */
function PageHost(props: {
  load: () => Promise<{ default: PageComponent }>;
  params: Record<string, string>;
  query: URLSearchParams;
}): JSX.Element {
  const [Page, setPage] = useState<PageComponent | null>(null);
  const [failed, setFailed] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    props.load().then(
      (m) => live && setPage(() => m.default),
      (err) => live && setFailed(err),
    );
    return () => {
      live = false;
    };
  }, [props.load]);
  if (failed)
    return (
      <>
        <h1>This page could not be loaded</h1>
        <Alert>The app may have been updated. Reload the page to get the new version.</Alert>
      </>
    );
  if (!Page) return <Loading />;
  return <Page params={props.params} query={props.query} />;
}

function NotFound(): JSX.Element {
  return (
    <>
      <h1>Page not found</h1>
      <p>
        There is no page at this address. Go to <a href="/sync">Sync</a>.
      </p>
    </>
  );
}
