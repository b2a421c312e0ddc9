/**
 * Account facts the sync uses to decide what to read: the account's time zone and when its
 * device last uploaded. Both endpoints are unrecorded (shared/spec/garmin-endpoints.md); the
 * field names are those independent client models read, an inference (docs/time-zones.md).
 */
import { type Obj, obj, optNum, optObj, optStr } from './json-fields.js';

/** `userprofile-service/userprofile/personal-information/{displayName}`. */
export interface GarminPersonalInformation {
  /** `userInfo.timezone` as Garmin gives it (expected an IANA name; not validated here). */
  timeZone: string | null;
  raw: Obj;
}

/** Parses a personal-information answer; a missing `userInfo` or zone is null, not an error. */
export function parsePersonalInformation(v: unknown): GarminPersonalInformation {
  const what = 'personal information';
  const o = obj(v, what);
  const info = optObj(o, 'userInfo', what);
  return { timeZone: info ? optStr(info, 'timezone', `${what} userInfo`) : null, raw: o };
}

/** `device-service/deviceservice/mylastused`. */
export interface GarminDeviceLastUsed {
  /** `lastUsedDeviceUploadTime`: epoch ms of the device's last upload; null when Garmin has none. */
  lastUploadMs: number | null;
  raw: Obj;
}

/** Parses a mylastused answer (Garmin answers an empty body for an account without a device). */
export function parseDeviceLastUsed(v: unknown): GarminDeviceLastUsed {
  const what = 'device last used';
  if (v === null || v === undefined) return { lastUploadMs: null, raw: {} };
  const o = obj(v, what);
  return { lastUploadMs: optNum(o, 'lastUsedDeviceUploadTime', what), raw: o };
}
