/**
 * What Garmin's personal-record `typeId`s are understood to mean. Garmin's answer carries no label
 * (garmin-endpoints.md, "Personal records"); the times match 1 km / 1 mile / 5 km runs, the rest is
 * inferred the same way. The server labels `GET /v1/records` with this table and garmin-sim builds
 * its records and truth from it; unknown typeIds get a null label and unit.
 */
export const PR_TYPES: Readonly<Record<number, { label: string; unit: 's' | 'm' | 'steps' }>> = {
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

/** The label and unit of a typeId, both null when the typeId is not understood. */
export function prType(typeId: number): { label: string | null; unit: 's' | 'm' | 'steps' | null } {
  const t = Object.hasOwn(PR_TYPES, typeId) ? PR_TYPES[typeId]! : undefined;
  return t ? { label: t.label, unit: t.unit } : { label: null, unit: null };
}
