/**
 * Gear (shoes, bikes, …) and personal records, parsed and validated like the other shapes
 * (shapes.ts). Garmin's answers are described in shared/spec/garmin-endpoints.md, "Gear" and
 * "Personal records"; each shape keeps `raw` (the whole object, 64-bit ids as strings) so the
 * server can store the answer losslessly.
 */
import { arr, bad, idStr, type Obj, obj, optId, optNum, optStr } from './json-fields.js';

/** One item of `gear-service/gear/filterGear?userProfilePk=`. */
export interface GarminGear {
  /** The gear's UUID (its key in `gear/stats/{uuid}`). */
  uuid: string;
  gearPk: string | null;
  /** "Shoes", "Bike", … (case varies). */
  gearTypeName: string | null;
  /** "active" or "retired". */
  gearStatusName: string | null;
  displayName: string | null;
  customMakeModel: string | null;
  gearMakeName: string | null;
  gearModelName: string | null;
  /** YYYY-MM-DD from Garmin's `"…T00:00:00.0"`, null when absent. */
  dateBegin: string | null;
  dateEnd: string | null;
  /** The distance after which Garmin warns about the gear, metres. */
  maximumMeters: number | null;
  raw: Obj;
}

/** `gear-service/gear/stats/{uuid}`: the gear's totals. */
export interface GarminGearStats {
  uuid: string | null;
  /** Metres. */
  totalDistance: number | null;
  totalActivities: number | null;
  raw: Obj;
}

/** One item of `personalrecord-service/personalrecord/prs/{displayName}`. */
export interface GarminPersonalRecord {
  id: string;
  /** Which record this is (no label in the answer; see personal-records.ts). */
  typeId: number;
  status: string | null;
  /** The activity that set it; null when Garmin says 0 (a record not tied to an activity). */
  activityId: string | null;
  activityName: string | null;
  activityType: string | null;
  value: number | null;
  /** When the record was set (`prStartTimeGmt`, epoch ms), null when absent. */
  prStartTimeGmt: number | null;
  raw: Obj;
}

/** What a gear UUID may look like (Garmin's are 32 hex digits; dashes and letters tolerated). */
export const GEAR_UUID = /^[A-Za-z0-9-]{1,64}$/;

const GEAR_DATE = /^(\d{4}-\d{2}-\d{2})(?:[ T]\d{2}:\d{2}:\d{2}(?:\.\d+)?)?$/;

function gearDate(o: Obj, key: string, what: string): string | null {
  const v = optStr(o, key, what);
  if (v === null) return null;
  const m = GEAR_DATE.exec(v);
  if (!m || Number.isNaN(Date.parse(`${m[1]}T00:00:00Z`))) return bad(what, `field ${key} is not a date`);
  return m[1] as string;
}

function uuidOf(o: Obj, what: string): string | null {
  const v = optStr(o, 'uuid', what);
  if (v !== null && !GEAR_UUID.test(v)) bad(what, 'field uuid is not a gear id');
  return v;
}

/** Parses one gear item. */
export function parseGear(v: unknown): GarminGear {
  const what = 'gear item';
  const o = obj(v, what);
  const uuid = uuidOf(o, what);
  if (uuid === null) return bad(what, 'no uuid');
  return {
    uuid,
    gearPk: optId(o, 'gearPk', what),
    gearTypeName: optStr(o, 'gearTypeName', what),
    gearStatusName: optStr(o, 'gearStatusName', what),
    displayName: optStr(o, 'displayName', what),
    customMakeModel: optStr(o, 'customMakeModel', what),
    gearMakeName: optStr(o, 'gearMakeName', what),
    gearModelName: optStr(o, 'gearModelName', what),
    dateBegin: gearDate(o, 'dateBegin', what),
    dateEnd: gearDate(o, 'dateEnd', what),
    maximumMeters: optNum(o, 'maximumMeters', what),
    raw: o,
  };
}

/** Parses the filterGear list; no answer (204) is no gear. */
export function parseGearList(v: unknown): GarminGear[] {
  return v === null ? [] : arr(v, 'gear list').map(parseGear);
}

/** Parses a gear stats answer. */
export function parseGearStats(v: unknown): GarminGearStats {
  const what = 'gear stats';
  const o = obj(v, what);
  return {
    uuid: uuidOf(o, what),
    totalDistance: optNum(o, 'totalDistance', what),
    totalActivities: optNum(o, 'totalActivities', what),
    raw: o,
  };
}

/** Parses one personal record. */
export function parsePersonalRecord(v: unknown): GarminPersonalRecord {
  const what = 'personal record';
  const o = obj(v, what);
  const typeId = optNum(o, 'typeId', what);
  if (typeId === null || !Number.isSafeInteger(typeId)) return bad(what, 'field typeId is not an integer');
  const activityId = optId(o, 'activityId', what);
  return {
    id: idStr(o.id, what, 'id'),
    typeId,
    status: optStr(o, 'status', what),
    // garmin-endpoints.md: activityId 0 marks a record not tied to an activity.
    activityId: activityId === '0' ? null : activityId,
    activityName: optStr(o, 'activityName', what),
    activityType: optStr(o, 'activityType', what),
    value: optNum(o, 'value', what),
    prStartTimeGmt: optNum(o, 'prStartTimeGmt', what),
    raw: o,
  };
}

/** Parses the personal record list; no answer (204) is no records. */
export function parsePersonalRecords(v: unknown): GarminPersonalRecord[] {
  return v === null ? [] : arr(v, 'personal records').map(parsePersonalRecord);
}
