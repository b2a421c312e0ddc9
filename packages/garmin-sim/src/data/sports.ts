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
  /** The `sport` and `sub_sport` names as `@garmin/fitsdk` decodes them. */
  fitSportName: string;
  fitSubSportName: string;
  label: string;
  /** Indoor sports record no position (treadmill, trainer). */
  indoor: boolean;
  /** A lap every this many metres (Garmin's auto lap: 1 km on foot, 5 km on a bike). */
  lapM: number;
  speedMps: [number, number];
  durationS: [number, number];
  hrBase: number;
  kcalPerMin: number;
  /** Steps per minute, or 0 when the sport has no steps. FIT records store cycles (strides) per minute: half. */
  cadence: number;
  /** Pedal revolutions per minute on a bike, else 0. */
  pedalRpm: number;
  /** Average power range in watts on a bike, else null (no power field in the records). */
  powerW: [number, number] | null;
}

const FOOT = { lapM: 1000, pedalRpm: 0, powerW: null } as const;
const BIKE = { lapM: 5000, cadence: 0, pedalRpm: 86 } as const;

export const SPORTS: readonly SportDef[] = [
  { ...FOOT, typeKey: 'running', typeId: 1, parentTypeId: 17, sportTypeId: 1, fitSport: 1, fitSubSport: 0, fitSportName: 'running', fitSubSportName: 'generic', label: 'Running', indoor: false, speedMps: [2.6, 3.8], durationS: [1200, 3600], hrBase: 148, kcalPerMin: 11, cadence: 168 },
  { ...FOOT, typeKey: 'trail_running', typeId: 6, parentTypeId: 1, sportTypeId: 1, fitSport: 1, fitSubSport: 3, fitSportName: 'running', fitSubSportName: 'trail', label: 'Trail Running', indoor: false, speedMps: [1.9, 3.0], durationS: [1800, 3900], hrBase: 145, kcalPerMin: 11, cadence: 160 },
  { ...BIKE, typeKey: 'cycling', typeId: 2, parentTypeId: 17, sportTypeId: 2, fitSport: 2, fitSubSport: 0, fitSportName: 'cycling', fitSubSportName: 'generic', label: 'Cycling', indoor: false, speedMps: [5.5, 8.5], durationS: [1800, 3990], hrBase: 132, kcalPerMin: 9, powerW: [130, 210] },
  { ...BIKE, typeKey: 'road_biking', typeId: 10, parentTypeId: 2, sportTypeId: 2, fitSport: 2, fitSubSport: 7, fitSportName: 'cycling', fitSubSportName: 'road', label: 'Road Cycling', indoor: false, speedMps: [6.5, 9.5], durationS: [2400, 3990], hrBase: 136, kcalPerMin: 10, powerW: [160, 250] },
  { ...FOOT, typeKey: 'walking', typeId: 9, parentTypeId: 17, sportTypeId: 11, fitSport: 11, fitSubSport: 0, fitSportName: 'walking', fitSubSportName: 'generic', label: 'Walking', indoor: false, speedMps: [1.1, 1.6], durationS: [900, 3000], hrBase: 98, kcalPerMin: 4.5, cadence: 112 },
  { ...FOOT, typeKey: 'hiking', typeId: 3, parentTypeId: 17, sportTypeId: 17, fitSport: 17, fitSubSport: 0, fitSportName: 'hiking', fitSubSportName: 'generic', label: 'Hiking', indoor: false, speedMps: [0.9, 1.4], durationS: [2400, 3990], hrBase: 112, kcalPerMin: 6, cadence: 100 },
  { ...FOOT, typeKey: 'treadmill_running', typeId: 18, parentTypeId: 1, sportTypeId: 1, fitSport: 1, fitSubSport: 1, fitSportName: 'running', fitSubSportName: 'treadmill', label: 'Treadmill Running', indoor: true, speedMps: [2.5, 3.4], durationS: [1200, 2700], hrBase: 146, kcalPerMin: 10.5, cadence: 166 },
  { ...BIKE, typeKey: 'indoor_cycling', typeId: 25, parentTypeId: 2, sportTypeId: 2, fitSport: 2, fitSubSport: 6, fitSportName: 'cycling', fitSubSportName: 'indoorCycling', label: 'Indoor Cycling', indoor: true, speedMps: [6.0, 8.5], durationS: [1800, 3600], hrBase: 130, kcalPerMin: 9, powerW: [140, 220] },
];

/** Relative weights for picking a sport (runs and rides dominate, like real accounts). */
export const SPORT_WEIGHTS: readonly number[] = [5, 1, 3, 1, 3, 1, 1, 1];
