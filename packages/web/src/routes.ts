import type { Route } from './router.js';

/**
 * Every app path (the server answers index.html for exactly these, docs/web.md). Each page is
 * its own chunk, loaded on first visit.
 */
export const ROUTES: readonly Route[] = [
  { pattern: '/sign-in', title: 'Sign in', load: () => import('./pages/sign-in.js'), public: true },
  { pattern: '/sync', title: 'Sync', load: () => import('./pages/sync.js') },
  { pattern: '/activities', title: 'Activities', load: () => import('./pages/activities.js') },
  { pattern: '/activities/:id', title: 'Activity', load: () => import('./pages/activity.js') },
  { pattern: '/health', title: 'Health', load: () => import('./pages/health.js') },
  { pattern: '/settings', title: 'Settings', load: () => import('./pages/settings.js') },
  { pattern: '/device', title: 'Sign in a device', load: () => import('./pages/device.js') },
];
