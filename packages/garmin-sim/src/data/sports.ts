/**
 * The activity kinds the sim generates: Garmin Connect type keys (as listed by
 * activitylist-service) next to the FIT `sport`/`sub_sport` values written into
 * the file, so the summary and the file always agree on the sport.
 */
export interface SportDef {
  typeKey: string;
  typeId: number;
  parentTypeId: number;
  sportTypeId: number;
  /** FIT profile `sport` enum value. */
  fitSport: number;
  /** FIT profile `sub_sport` enum value. */
  fitSubSport: number;
  label: string;
  speedMps: [number, number];
  durationS: [number, number];
  hrBase: number;
  kcalPerMin: number;
  /** Steps per minute, or 0 when the sport has no steps. */
  cadence: number;
}

export const SPORTS: readonly SportDef[] = [
  { typeKey: 'running', typeId: 1, parentTypeId: 17, sportTypeId: 1, fitSport: 1, fitSubSport: 0, label: 'Running', speedMps: [2.6, 3.8], durationS: [1200, 3600], hrBase: 148, kcalPerMin: 11, cadence: 168 },
  { typeKey: 'trail_running', typeId: 6, parentTypeId: 1, sportTypeId: 1, fitSport: 1, fitSubSport: 3, label: 'Trail Running', speedMps: [1.9, 3.0], durationS: [1800, 3900], hrBase: 145, kcalPerMin: 11, cadence: 160 },
  { typeKey: 'cycling', typeId: 2, parentTypeId: 17, sportTypeId: 2, fitSport: 2, fitSubSport: 0, label: 'Cycling', speedMps: [5.5, 8.5], durationS: [1800, 3990], hrBase: 132, kcalPerMin: 9, cadence: 0 },
  { typeKey: 'road_biking', typeId: 10, parentTypeId: 2, sportTypeId: 2, fitSport: 2, fitSubSport: 7, label: 'Road Cycling', speedMps: [6.5, 9.5], durationS: [2400, 3990], hrBase: 136, kcalPerMin: 10, cadence: 0 },
  { typeKey: 'walking', typeId: 9, parentTypeId: 17, sportTypeId: 11, fitSport: 11, fitSubSport: 0, label: 'Walking', speedMps: [1.1, 1.6], durationS: [900, 3000], hrBase: 98, kcalPerMin: 4.5, cadence: 112 },
  { typeKey: 'hiking', typeId: 3, parentTypeId: 17, sportTypeId: 17, fitSport: 17, fitSubSport: 0, label: 'Hiking', speedMps: [0.9, 1.4], durationS: [2400, 3990], hrBase: 112, kcalPerMin: 6, cadence: 100 },
];

/** Relative weights for picking a sport (runs and rides dominate, like real accounts). */
export const SPORT_WEIGHTS: readonly number[] = [5, 1, 3, 1, 3, 1];
