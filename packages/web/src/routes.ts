import type { Route } from './router.js';

/**
 * Every app path (the server answers index.html for exactly these, docs/web.md). Each page is
 * its own chunk, loaded on first visit.
 */
export const ROUTES: readonly Route[] = [
  { pattern: '/sign-in', load: () => import('./pages/sign-in.js'), public: true },
  { pattern: '/sync', load: () => import('./pages/sync.js') },
  { pattern: '/activities', load: () => import('./pages/activities.js') },
  { pattern: '/activities/:id', load: () => import('./pages/activity.js') },
  { pattern: '/health', load: () => import('./pages/health.js') },
  { pattern: '/settings', load: () => import('./pages/settings.js') },
  { pattern: '/device', load: () => import('./pages/device.js') },
];
