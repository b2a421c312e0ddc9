import type { ComponentType } from 'preact';

/** What every page module's default export receives. */
export interface PageProps {
  params: Record<string, string>;
  query: URLSearchParams;
}
export type PageComponent = ComponentType<PageProps>;

export interface Route {
  /** `/activities/:id`: a `:name` segment matches one non-empty path segment. */
  pattern: string;
  /** The document title's first part (each page has its own, for tabs, history and screen readers). */
  title: string;
  /** Pages are loaded on first visit (code splitting): the first paint only pays for its own page. */
  load: () => Promise<{ default: PageComponent }>;
  /** Reachable without a session. */
  public?: boolean;
}

export interface Match {
  route: Route;
  params: Record<string, string>;
}

/** The route whose pattern matches `path` (no query), with its decoded `:params`; null when none does. */
export function matchRoute(routes: readonly Route[], path: string): Match | null {
  const parts = splitPath(path);
  if (parts === null) return null;
  for (const route of routes) {
    const want = splitPath(route.pattern)!;
    if (want.length !== parts.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < want.length && ok; i++) {
      const w = want[i]!;
      const p = parts[i]!;
      if (w.startsWith(':')) params[w.slice(1)] = p;
      else ok = w === p;
    }
    if (ok) return { route, params };
  }
  return null;
}

function splitPath(path: string): string[] | null {
  const segments = path.split('/').filter((s) => s !== '');
  try {
    return segments.map((s) => decodeURIComponent(s));
  } catch {
    return null; // malformed %-escape: no route
  }
}

/**
 * A `next` target is followed only when it is a path on this site: `//evil.example` or
 * `https://…` would turn the sign-in page into an open redirect.
 */
export function safeNext(next: string | null, fallback = '/sync'): string {
  if (!next?.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return fallback;
  if (next.startsWith('/sign-in')) return fallback;
  return next;
}

/** The sign-in page's address that comes back to `pathAndQuery` afterwards. */
export function signInHref(pathAndQuery: string): string {
  const next = safeNext(pathAndQuery, '');
  return next && next !== '/' ? `/sign-in?next=${encodeURIComponent(next)}` : '/sign-in';
}

type Listener = () => void;
const listeners = new Set<Listener>();

/** Calls `fn` after every navigation (link, navigate(), back/forward); returns the unsubscribe. */
export function onNavigate(fn: Listener): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** Changes the address without a page load and tells the app. */
export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  if (opts.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  for (const fn of [...listeners]) fn();
}

/** Back/forward buttons and same-site link clicks become in-app navigations. */
export function startRouter(): () => void {
  const pop = () => {
    for (const fn of [...listeners]) fn();
  };
  const click = (e: MouseEvent) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const a = (e.target as Element | null)?.closest?.('a[href]') as HTMLAnchorElement | null;
    if (!a || (a.target && a.target !== '_self') || a.hasAttribute('download') || a.dataset['native'] !== undefined) return;
    const url = new URL(a.href, location.href);
    // Only app paths: the API (e.g. the FIT download) and other origins load normally.
    if (url.origin !== location.origin || url.pathname.startsWith('/v1/') || url.pathname.startsWith('/assets/')) return;
    e.preventDefault();
    if (url.pathname + url.search === location.pathname + location.search && !url.hash) return;
    navigate(url.pathname + url.search + url.hash);
  };
  addEventListener('popstate', pop);
  document.addEventListener('click', click);
  return () => {
    removeEventListener('popstate', pop);
    document.removeEventListener('click', click);
  };
}
