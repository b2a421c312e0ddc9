import { RawNumber } from '../codec/json.js';
import { stringifyJson } from '../codec/json.js';
import { gearJson, gearOfActivity, userGear } from '../data/gear.js';
import { personalRecordsJson } from '../data/personal-records.js';
import type { SimUser } from '../data/user.js';
import { userWorkouts, workoutDetail } from '../data/workouts.js';
import type { JsonMember } from './health-files.js';

const FIT = 'DI_CONNECT/DI-Connect-Fitness';
const USER = 'DI_CONNECT/DI-Connect-User';

/** The export's names of the PR types the sim derives (vocabulary unconfirmed: garmin-export.md §8). */
const PR_TYPE: Record<number, string> = {
  1: 'FASTEST_1K',
  2: 'FASTEST_MILE',
  3: 'FASTEST_5K',
  4: 'FASTEST_10K',
  7: 'LONGEST_RUN',
  8: 'LONGEST_RIDE',
  12: 'MOST_STEPS_DAY',
};

/** Workouts (same workoutId as the API), records, gear and the profile, as §5 describes them. */
export function accountMembers(user: SimUser): JsonMember[] {
  const who = user.email;
  const workouts = { workoutList: userWorkouts(user).map((w) => workoutDetail(user, w)), workoutScheduleList: [] };
  const records = personalRecordsJson(user).map((r) => ({
    personalRecordId: r.id,
    activityId: r.activityId,
    personalRecordType: PR_TYPE[r.typeId as number] ?? `TYPE_${r.typeId}`,
    typeId: r.typeId,
    value: r.value,
    prStartTimeGMT: r.prStartTimeGmt,
    current: true,
  }));
  const gear = userGear(user);
  const byGear = new Map<number, RawNumber[]>(gear.map((g) => [g.gearPk, []]));
  for (const a of user.activities) {
    const g = gearOfActivity(gear, a);
    if (g) byGear.get(g.gearPk)!.push(new RawNumber(a.seed.idText));
  }
  const gearFile = {
    gearDTOS: gear.map((g) => gearJson(user, g)),
    gearActivityDTOs: Object.fromEntries([...byGear].map(([pk, ids]) => [String(pk), ids.map((activityId) => ({ activityId }))])),
    gearActivityTypeDTOS: {},
    gearCollections: [],
  };
  const [first, ...rest] = user.fullName.split(' ');
  return [
    { name: `${FIT}/${who}_workout.json`, text: stringifyJson(workouts) },
    { name: `${FIT}/${who}_personalRecord.json`, text: stringifyJson([{ personalRecords: records }]) },
    { name: `${FIT}/${who}_gear.json`, text: stringifyJson([gearFile]) },
    {
      name: `${USER}/user_profile.json`,
      text: stringifyJson({ userName: who, displayName: user.displayName, firstName: first, lastName: rest.join(' '), gender: 'FEMALE', userProfileId: user.profileId }),
    },
  ];
}

/** Personal data an importer must never read (garmin-export.md §7.9): here only so it is there to be skipped. */
export function personalDataMembers(user: SimUser): JsonMember[] {
  return [
    { name: `${USER}/user_contact.json`, text: JSON.stringify({ email: user.email, phone: '+41 00 000 00 00', emergencyContacts: [] }) },
    { name: `${USER}/user_settings.json`, text: JSON.stringify({ measurementSystem: 'metric', timeZone: user.tz.key }) },
    { name: `DI_CONNECT/DI-Connect-Social/${user.email}-social-profile.json`, text: JSON.stringify({ userName: user.email, displayName: user.displayName }) },
    { name: 'IT_CONSENT_HISTORY/consent_history.json', text: JSON.stringify([{ email: user.email, consentType: 'MARKETING', granted: false }]) },
    { name: 'customer_data/customer.json', text: JSON.stringify({ email: user.email, fullName: user.fullName }) },
  ];
}
