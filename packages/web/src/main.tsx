// Boot: ask the server who is signed in (the cookie decides), then render the app.
import { render } from 'preact';
import { loadSession } from './api.js';
import { App } from './app.js';
import { startRouter } from './router.js';
import './styles.css';
import './styles-data.css';

async function boot(): Promise<void> {
  const root = document.getElementById('app')!;
  try {
    await loadSession();
  } catch {
    // The server is unreachable or failing: the pages say so when they try; start signed out.
  }
  startRouter();
  render(<App />, root);
}

void boot();
