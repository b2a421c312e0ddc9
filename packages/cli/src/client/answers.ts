import { UnavailableError } from '../errors.js';
import {
  isActivityDetail,
  isActivityList,
  isActivityRecords,
  isDeviceAuthorization,
  isGarminConnected,
  isGarminConnection,
  isGarminConnectResponse,
  isGearList,
  isHealthDays,
  isHealthSeries,
  isImport,
  isLoginResponse,
  isMe,
  isPersonalRecords,
  isRecoveryCodes,
  isSyncJob,
  isSyncJobList,
  isSyncSchedule,
  isTokenPair,
  isTotpSetup,
} from './answer-checks.js';

/**
 * A reader of one kind of server answer: the value itself when it matches its @fitsync/api
 * schema (checked by the validator compiled from it, ./answer-checks.ts), else UnavailableError
 * — an answer the CLI cannot use is the server's fault (exit 6), not the user's.
 */
function answer<T>(check: (value: unknown) => value is T, what: string): (value: unknown) => T {
  return (value) => {
    if (!check(value)) throw new UnavailableError(`the server sent an unexpected ${what} answer`);
    return value;
  };
}

export const asMe = answer(isMe, 'user');
export const asTokenPair = answer(isTokenPair, 'token');
export const asLoginResponse = answer(isLoginResponse, 'sign-in');
export const asTotpSetup = answer(isTotpSetup, 'MFA setup');
export const asRecoveryCodes = answer(isRecoveryCodes, 'recovery codes');
export const asSyncJob = answer(isSyncJob, 'sync job');
export const asSyncJobList = answer(isSyncJobList, 'sync job list');
export const asSyncSchedule = answer(isSyncSchedule, 'sync schedule');
export const asActivityList = answer(isActivityList, 'activity list');
export const asActivityDetail = answer(isActivityDetail, 'activity');
export const asActivityRecords = answer(isActivityRecords, 'activity records');
export const asGarminConnectAnswer = answer(isGarminConnectResponse, 'Garmin sign-in');
export const asGarminConnected = answer(isGarminConnected, 'Garmin sign-in');
export const asGarminConnection = answer(isGarminConnection, 'Garmin connection');
export const asHealthDays = answer(isHealthDays, 'health days');
export const asHealthSeries = answer(isHealthSeries, 'health series');
export const asGearList = answer(isGearList, 'gear list');
export const asPersonalRecords = answer(isPersonalRecords, 'personal records');
export const asImport = answer(isImport, 'import');
export const asDeviceAuthorization = answer(isDeviceAuthorization, 'device sign-in');
