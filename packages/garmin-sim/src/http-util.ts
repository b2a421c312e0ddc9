import type { IncomingMessage } from 'node:http';
import { stringifyJson } from './codec/json.js';

/** What a handler answers; the server writes it (or a fault mangles it). */
export interface SimResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body?: Buffer | string;
}

/** One incoming request, body already read. */
export interface RequestContext {
  req: IncomingMessage;
  method: string;
  path: string;
  query: URLSearchParams;
  cookies: Map<string, string>;
  body: Buffer;
  /** The sim's own base URL as the client reached it (for redirects and pages). */
  origin: string;
}

export function json(status: number, value: unknown, headers: Record<string, string | string[]> = {}): SimResponse {
  return {
    status,
    headers: { 'content-type': 'application/json;charset=UTF-8', ...headers },
    body: stringifyJson(value),
  };
}

export function html(status: number, body: string, headers: Record<string, string | string[]> = {}): SimResponse {
  return { status, headers: { 'content-type': 'text/html;charset=UTF-8', ...headers }, body };
}

export function empty(status: number, headers: Record<string, string | string[]> = {}): SimResponse {
  return { status, headers };
}

export function redirect(location: string, headers: Record<string, string | string[]> = {}): SimResponse {
  return { status: 302, headers: { location, ...headers } };
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    out.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return out;
}

/** Parses a JSON body; null when it is not a JSON object. */
export function jsonObject(body: Buffer): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(body.toString('utf8') || 'null');
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export function formBody(body: Buffer): URLSearchParams {
  return new URLSearchParams(body.toString('utf8'));
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
