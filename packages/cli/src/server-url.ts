import { UsageError } from './errors.js';

/** Loopback hosts for which plain http is allowed (spec: `--server`). */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(h)) return h.startsWith('127.');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
  return mapped?.[1]?.startsWith('127.') === true;
}

/**
 * Validates the API base URL before any request: https, or http to a loopback
 * host only, so tokens never cross a network in clear text. Returns the URL
 * without a trailing slash.
 */
export function validateServerUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`invalid server URL "${raw}"`, 'use e.g. --server https://fitsync.example.com');
  }
  if (url.username || url.password) throw new UsageError('the server URL must not contain credentials');
  if (url.search || url.hash) throw new UsageError('the server URL must not contain a query or fragment');
  if (url.protocol === 'https:') return stripSlash(url);
  if (url.protocol === 'http:') {
    if (isLoopbackHost(url.hostname)) return stripSlash(url);
    throw new UsageError(
      `refusing plain http to ${url.host}: the server URL must use https:// unless the host is loopback`,
      `use --server https://${url.host}${url.pathname === '/' ? '' : url.pathname}`,
    );
  }
  throw new UsageError(`unsupported server URL scheme "${url.protocol}" (use https://)`);
}

function stripSlash(url: URL): string {
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}
