/**
 * Validating readers of Garmin JSON fields, shared by every parser. A field of
 * the wrong type becomes GarminUnexpectedAnswerError naming the answer and the
 * field, never a crash deep in the sync.
 */
import { GarminUnexpectedAnswerError } from './errors.js';
import { parseExactJson } from './exact-json.js';

/** A JSON object. */
export type Obj = Record<string, unknown>;

/** Throws the typed error for a malformed answer. */
export function bad(what: string, why: string): never {
  throw new GarminUnexpectedAnswerError(`Garmin ${what}: ${why}`);
}

export function obj(v: unknown, what: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(what, 'expected a JSON object');
  return v as Obj;
}

export function arr(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) bad(what, 'expected a JSON array');
  return v;
}

/** An optional object field (absent/null → null). */
export function optObj(o: Obj, key: string, what: string): Obj | null {
  const v = o[key];
  return v === undefined || v === null ? null : obj(v, `${what} ${key}`);
}

/** An optional list field (absent/null → []). */
export function optArr(o: Obj, key: string, what: string): unknown[] {
  const v = o[key];
  return v === undefined || v === null ? [] : arr(v, `${what} ${key}`);
}

export function optNum(o: Obj, key: string, what: string): number | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v); // a quoted huge integer
  return bad(what, `field ${key} is not a number`);
}

export function optStr(o: Obj, key: string, what: string): string | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return v;
  return bad(what, `field ${key} is not a string`);
}

export function optBool(o: Obj, key: string, what: string): boolean | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  if (typeof v === 'boolean') return v;
  return bad(what, `field ${key} is not a boolean`);
}

/** A Garmin id (number or exact decimal string) as a decimal string. */
export function idStr(v: unknown, what: string, key: string): string {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return String(v);
  if (typeof v === 'string' && /^\d{1,20}$/.test(v)) return v;
  return bad(what, `field ${key} is not an id`);
}

export function optId(o: Obj, key: string, what: string): string | null {
  const v = o[key];
  return v === undefined || v === null ? null : idStr(v, what, key);
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function day(o: Obj, key: string, what: string): string {
  const v = o[key];
  if (typeof v !== 'string' || !DAY.test(v)) bad(what, `field ${key} is not a YYYY-MM-DD date`);
  return v;
}

/**
 * Garmin's zone-less GMT times ("YYYY-MM-DD HH:MM:SS" in lists,
 * "YYYY-MM-DDTHH:MM:SS.0" in DTOs) as an ISO-8601 UTC string.
 */
export function garminGmtToIso(v: string): string | undefined {
  const ms = garminGmtMs(v);
  return ms === undefined ? undefined : new Date(ms).toISOString();
}

const GMT_TIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?$/;

/** A zone-less GMT time as epoch ms (fractions beyond milliseconds are cut); undefined when not a real time. */
export function garminGmtMs(v: string): number | undefined {
  const m = GMT_TIME.exec(v);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  const t = Date.UTC(y, mo - 1, d, h, mi, s, m[7] ? Number(`${m[7]}00`.slice(0, 3)) : 0);
  // Date.UTC rolls 2026-02-30 over into March: a time is real only when its fields come back.
  const back = new Date(t);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || back.getUTCHours() !== h) return undefined;
  if (back.getUTCMinutes() !== mi || back.getUTCSeconds() !== s) return undefined;
  return t;
}

/** A required zone-less GMT time field as epoch ms. */
export function gmtMs(o: Obj, key: string, what: string): number {
  const v = o[key];
  const ms = typeof v === 'string' ? garminGmtMs(v) : undefined;
  if (ms === undefined) bad(what, `field ${key} is not a GMT date-time`);
  return ms;
}

/** The JSON value of an answer's text ('' or whitespace, i.e. 204 → null); 64-bit integers stay exact. */
export function healthJson(text: string): unknown {
  return text.trim() === '' ? null : parseExactJson(text);
}
