/**
 * What Garmin's personal record `typeId`s are understood to mean. Garmin's answer carries no
 * label (shared/spec/garmin-endpoints.md, "Personal records"); this table is our reading of it,
 * shared by the server (label and unit in `GET /v1/records`) and garmin-sim (its truth).
 * Unknown typeIds have no label and no unit.
 */
export const PR_TYPES: Record<number, { label: string; unit: 's' | 'm' | 'steps' }> = {
  1: { label: '1 km', unit: 's' },
  2: { label: '1 mile', unit: 's' },
  3: { label: '5 km', unit: 's' },
  4: { label: '10 km', unit: 's' },
  7: { label: 'longest run', unit: 'm' },
  8: { label: 'longest ride', unit: 'm' },
  12: { label: 'most steps in a day', unit: 'steps' },
  13: { label: 'most steps in a week', unit: 'steps' },
  14: { label: 'most steps in a month', unit: 'steps' },
};
