import { RECORD_FIELDS } from '@fitsync/api';

// biome-ignore lint/suspicious/noExplicitAny: the SDK types its messages loosely; the oracle reads them as they come
export type Mesg = Record<string, any>;

/**
 * RECORD_FIELDS of one record message of the official SDK's default decode, as
 * packages/api/src/data.ts defines them: the oracle API values are compared with (Object.is).
 */
export function expectedPoint(r: Mesg): (number | null)[] {
  const v = (x: unknown) => (typeof x === 'number' ? x : null);
  const semi = (x: unknown) => (typeof x === 'number' ? x * (180 / 2 ** 31) : null);
  const byField: Record<string, number | null> = {
    time: r.timestamp instanceof Date ? r.timestamp.getTime() : null,
    lat: semi(r.positionLat),
    lon: semi(r.positionLong),
    altitude_m: v(r.enhancedAltitude ?? r.altitude),
    heart_rate: v(r.heartRate),
    cadence: v(r.cadence),
    speed_mps: v(r.enhancedSpeed ?? r.speed),
    power_w: v(r.power),
    temperature_c: v(r.temperature),
    distance_m: v(r.distance),
  };
  return RECORD_FIELDS.map((f) => byField[f]!);
}

/** Asserts two point lists hold the same values (Object.is: -0, NaN and float bits count). */
export function assertSameValues(got: readonly (number | null)[][], want: readonly (number | null)[][], what: string): void {
  if (got.length !== want.length) throw new Error(`${what}: ${got.length} points, want ${want.length}`);
  for (let i = 0; i < want.length; i++) {
    for (let j = 0; j < want[i]!.length; j++) {
      if (!Object.is(got[i]![j], want[i]![j])) throw new Error(`${what}: point ${i} field ${RECORD_FIELDS[j]}: ${got[i]![j]} !== ${want[i]![j]}`);
    }
  }
}
