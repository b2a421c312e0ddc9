import type { ActivityDetail, ActivityRecords, Device, Lap } from '@fitsync/api';
import { hasPosition, type RecordValue, recordColumns } from './record-columns.js';
import { isoTime, xmlNumber, xmlText } from './xml-text.js';

const HEAD =
  '<?xml version="1.0" encoding="UTF-8"?>\n' +
  '<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"' +
  ' xmlns:ax="http://www.garmin.com/xmlschemas/ActivityExtension/v2"' +
  ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"' +
  ' xsi:schemaLocation="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2' +
  ' http://www.garmin.com/xmlschemas/TrainingCenterDatabasev2.xsd">\n';

type Point = readonly (number | null)[];

/** TCX knows three sports; FIT's (and Garmin's type keys) map onto them. */
export function tcxSport(detail: Pick<ActivityDetail, 'sport' | 'activity_type'>): 'Running' | 'Biking' | 'Other' {
  const s = detail.sport ?? detail.activity_type ?? '';
  if (/running|^run/.test(s)) return 'Running';
  if (/cycling|biking|^bike|e_biking/.test(s)) return 'Biking';
  return 'Other';
}

/**
 * TCX v2 of an activity: one `Lap` per decoded lap with the records that fall in it (from its
 * start time to the next lap's), or one lap over all records when the file has none. Elements in
 * the schema's order (TrainingCenterDatabasev2.xsd); speed and power go in ActivityExtension v2's
 * `TPX`. `Notes` is the activity's name,
 * `Creator` the recording device when the file names one.
 */
export function* renderTcx(detail: ActivityDetail, records: ActivityRecords): Generator<string> {
  const value = recordColumns(records);
  const points = records.points;
  const laps =
    detail.laps.length > 0
      ? [...detail.laps].sort((a, b) => Date.parse(a.start_time) - Date.parse(b.start_time))
      : [wholeLap(detail, value, points)];
  const starts = laps.map((l) => Date.parse(l.start_time));
  yield HEAD;
  yield `  <Activities>\n    <Activity Sport="${tcxSport(detail)}">\n      <Id>${isoTime(Date.parse(detail.start_time))}</Id>\n`;
  let i = 0;
  for (const [k, lap] of laps.entries()) {
    // Records before the first lap's start belong to it; a record belongs to the last lap started by its time.
    const end = k + 1 < laps.length ? starts[k + 1]! : Number.POSITIVE_INFINITY;
    const from = i;
    while (i < points.length && (value(points[i]!, 'time') ?? 0) < end) i++;
    yield lapHead(lap, value, points.slice(from, i));
    if (i > from) {
      yield '        <Track>\n';
      for (let j = from; j < i; j++) yield trackpoint(value, points[j]!);
      yield '        </Track>\n';
    }
    yield lapTail(lap);
  }
  // TCX has no activity name; Notes (free text, before Creator in Activity_t) carries it.
  if (detail.name !== null) yield `      <Notes>${xmlText(detail.name)}</Notes>\n`;
  if (detail.device) yield creator(detail.device);
  yield '    </Activity>\n  </Activities>\n</TrainingCenterDatabase>\n';
}

function lapHead(lap: Lap, value: RecordValue, points: readonly Point[]): string {
  const first = points.length ? value(points[0]!, 'time') : null;
  const last = points.length ? value(points[points.length - 1]!, 'time') : null;
  const seconds = lap.duration_s ?? (first !== null && last !== null ? (last - first) / 1000 : 0);
  let s = `      <Lap StartTime="${isoTime(Date.parse(lap.start_time))}">\n`;
  s += `        <TotalTimeSeconds>${xmlNumber(seconds)}</TotalTimeSeconds>\n`;
  s += `        <DistanceMeters>${xmlNumber(lap.distance_m ?? lapDistance(value, points))}</DistanceMeters>\n`;
  if (lap.max_speed_mps !== null) s += `        <MaximumSpeed>${xmlNumber(lap.max_speed_mps)}</MaximumSpeed>\n`;
  // Calories is required (xsd:unsignedShort); a lap without a value says 0.
  s += `        <Calories>${Math.min(65535, Math.max(0, Math.round(lap.calories ?? 0)))}</Calories>\n`;
  if (bpm(lap.avg_hr)) s += `        <AverageHeartRateBpm><Value>${bpm(lap.avg_hr)}</Value></AverageHeartRateBpm>\n`;
  if (bpm(lap.max_hr)) s += `        <MaximumHeartRateBpm><Value>${bpm(lap.max_hr)}</Value></MaximumHeartRateBpm>\n`;
  // The API's laps carry no intensity or lap trigger; these are the values for an ordinary lap.
  s += '        <Intensity>Active</Intensity>\n        <TriggerMethod>Manual</TriggerMethod>\n';
  return s;
}

function lapTail(lap: Lap): string {
  if (lap.avg_speed_mps === null) return '      </Lap>\n';
  return `        <Extensions><ax:LX><ax:AvgSpeed>${xmlNumber(lap.avg_speed_mps)}</ax:AvgSpeed></ax:LX></Extensions>\n      </Lap>\n`;
}

function trackpoint(value: RecordValue, p: Point): string {
  let s = `          <Trackpoint><Time>${isoTime(value(p, 'time') ?? 0)}</Time>`;
  if (hasPosition(value, p)) {
    s += `<Position><LatitudeDegrees>${xmlNumber(value(p, 'lat')!)}</LatitudeDegrees>`;
    s += `<LongitudeDegrees>${xmlNumber(value(p, 'lon')!)}</LongitudeDegrees></Position>`;
  }
  const alt = value(p, 'altitude_m');
  if (alt !== null) s += `<AltitudeMeters>${xmlNumber(alt)}</AltitudeMeters>`;
  const dist = value(p, 'distance_m');
  if (dist !== null) s += `<DistanceMeters>${xmlNumber(dist)}</DistanceMeters>`;
  const hr = bpm(value(p, 'heart_rate'));
  if (hr) s += `<HeartRateBpm><Value>${hr}</Value></HeartRateBpm>`;
  const cad = value(p, 'cadence');
  if (cad !== null && cad >= 0 && cad <= 254) s += `<Cadence>${Math.round(cad)}</Cadence>`;
  const speed = value(p, 'speed_mps');
  const watts = value(p, 'power_w');
  if (speed !== null || (watts !== null && watts >= 0 && watts <= 65535)) {
    s += '<Extensions><ax:TPX>';
    if (speed !== null) s += `<ax:Speed>${xmlNumber(speed)}</ax:Speed>`;
    if (watts !== null && watts >= 0 && watts <= 65535) s += `<ax:Watts>${Math.round(watts)}</ax:Watts>`;
    s += '</ax:TPX></Extensions>';
  }
  return `${s}</Trackpoint>\n`;
}

/** Heart rate as TCX's HeartRateInBeatsPerMinute_t (unsignedByte ≥ 1), or null. */
function bpm(hr: number | null): number | null {
  if (hr === null) return null;
  const v = Math.round(hr);
  return v >= 1 && v <= 255 ? v : null;
}

/** The lap TCX needs when the file has none: the activity's own totals over all records. */
function wholeLap(detail: ActivityDetail, value: RecordValue, points: readonly Point[]): Lap {
  const first = points.length ? value(points[0]!, 'time') : null;
  return {
    index: 0,
    start_time: first === null ? detail.start_time : new Date(Math.min(first, Date.parse(detail.start_time))).toISOString(),
    duration_s: detail.duration_s,
    distance_m: detail.distance_m,
    avg_hr: detail.avg_hr,
    max_hr: null,
    avg_speed_mps: null,
    max_speed_mps: null,
    ascent_m: null,
    descent_m: null,
    calories: detail.calories,
  };
}

/** Distance covered by a lap's records (the last record's distance minus the first's), 0 without any. */
function lapDistance(value: RecordValue, points: readonly Point[]): number {
  const ds = points.map((p) => value(p, 'distance_m')).filter((d): d is number => d !== null);
  return ds.length >= 2 ? ds[ds.length - 1]! - ds[0]! : 0;
}

// Device_t: Name (token), UnitId (unsignedInt), ProductID (unsignedShort), Version. FIT gives a
// product name or number and a software version like "12.34".
function creator(d: Device): string {
  const name = [d.manufacturer, d.product].filter((x) => x !== null).join(' ') || 'unknown';
  const serial = Number(d.serial_number);
  const unitId = Number.isInteger(serial) && serial >= 0 && serial <= 0xffffffff ? serial : 0;
  const product = Number(d.product);
  const productId = Number.isInteger(product) && product >= 0 && product <= 0xffff ? product : 0;
  const [major = 0, minor = 0] = (d.software_version ?? '').split('.').map((v) => Number.parseInt(v, 10) || 0);
  return (
    '      <Creator xsi:type="Device_t">' +
    `<Name>${xmlText(name)}</Name><UnitId>${unitId}</UnitId><ProductID>${productId}</ProductID>` +
    `<Version><VersionMajor>${major}</VersionMajor><VersionMinor>${minor}</VersionMinor></Version></Creator>\n`
  );
}
