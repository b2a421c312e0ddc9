// Boot: ask the server who is signed in (the cookie decides), then render the app.
import { render } from 'preact';
import { loadSession } from './api.js';
import { App } from './app.js';
import { matchRoute, startRouter } from './router.js';
import { ROUTES } from './routes.js';
import './styles.css';
import './styles-data.css';

async function boot(): Promise<void> {
  const root = document.getElementById('app')!;
  // Fetch this address's page chunk while the session is asked for (import() caches it for the app).
  matchRoute(ROUTES, location.pathname === '/' ? '/sync' : location.pathname)
    ?.route.load()
    .catch(() => {});
  try {
    await loadSession();
  } catch {
    // The server is unreachable or failing: the pages say so when they try; start signed out.
  }
  startRouter();
  render(<App />, root);
}

void boot();
