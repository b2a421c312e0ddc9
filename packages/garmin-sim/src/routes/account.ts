import { json, type SimResponse } from '../http-util.js';
import type { DataHandler } from './data.js';

function forbidden(): SimResponse {
  return json(403, { message: 'Forbidden', error: 'ForbiddenException' });
}

/**
 * `GET /userprofile-service/userprofile/personal-information/{displayName}`: unrecorded. The shape
 * is the one independent client models read (`userInfo.timezone` an IANA name, `userInfo.locale`,
 * `biometricProfile` with weight in grams); the sim's inference, documented in docs/time-zones.md.
 * Another account's display name answers 403 like the other display-name routes.
 */
export const personalInformation: DataHandler = (_sim, user, _ctx, [name]) => {
  if (decodeURIComponent(name ?? '') !== user.displayName) return forbidden();
  return json(200, {
    userInfo: { genderType: 'MALE', email: user.email, locale: 'en', timezone: user.tz.key, age: 40 },
    biometricProfile: { userId: user.profileId, height: 178.0, weight: 70000 + user.index * 100, vo2Max: 48.0, vo2MaxCycling: null },
  });
};

/**
 * `GET /device-service/deviceservice/mylastused` in the shape of garmin-endpoints.md "Device last
 * used" (unrecorded): `lastUsedDeviceUploadTime` is epoch ms of the account's last upload, which
 * moves when activities or health data are added.
 */
export const deviceLastUsed: DataHandler = (_sim, user) =>
  json(200, {
    userDeviceId: user.deviceId,
    userProfileNumber: user.profileId,
    applicationNumber: 9_000_000 + (user.deviceId % 1000),
    lastUsedDeviceApplicationKey: 'fenix7',
    lastUsedDeviceName: 'fenix 7',
    lastUsedDeviceUploadTime: user.lastUploadMs,
    imageUrl: 'https://static.garmincdn.com/sim/fenix7.png',
    released: true,
  });
