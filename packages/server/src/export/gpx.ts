import type { ActivityDetail, ActivityRecords } from '@fitsync/api';
import { hasPosition, recordColumns } from './record-columns.js';
import { isoTime, xmlNumber, xmlText } from './xml-text.js';

const HEAD =
  '<?xml version="1.0" encoding="UTF-8"?>\n' +
  '<gpx version="1.1" creator="FitSync" xmlns="http://www.topografix.com/GPX/1/1"' +
  ' xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1"' +
  ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"' +
  ' xsi:schemaLocation="http://www.topografix.com/GPX/1/1 http://www.topografix.com/GPX/1/1/gpx.xsd' +
  ' http://www.garmin.com/xmlschemas/TrackPointExtension/v1 http://www.garmin.com/xmlschemas/TrackPointExtensionv1.xsd">\n';

/**
 * GPX 1.1 of an activity: one `trkpt` per record with a position (records without one are left
 * out), with `ele`, `time` and Garmin's TrackPointExtension v1 (`atemp`, `hr`, `cad`, in the
 * schema's order). One `trkseg`: the records do not say where the timer was paused, and readers
 * show the pause as the time gap between two points either way (docs/activities.md).
 */
export function* renderGpx(detail: ActivityDetail, records: ActivityRecords): Generator<string> {
  const value = recordColumns(records);
  const name = detail.name === null ? '' : `<name>${xmlText(detail.name)}</name>`;
  yield HEAD;
  yield `  <metadata>${name}<time>${isoTime(Date.parse(detail.start_time))}</time></metadata>\n`;
  const type = detail.activity_type ?? detail.sport;
  yield `  <trk>${name}${type === null ? '' : `<type>${xmlText(type)}</type>`}\n    <trkseg>\n`;
  for (const p of records.points) {
    if (!hasPosition(value, p)) continue;
    let pt = `      <trkpt lat="${xmlNumber(value(p, 'lat')!)}" lon="${xmlNumber(value(p, 'lon')!)}">`;
    const ele = value(p, 'altitude_m');
    if (ele !== null) pt += `<ele>${xmlNumber(ele)}</ele>`;
    const time = value(p, 'time');
    if (time !== null) pt += `<time>${isoTime(time)}</time>`;
    const ext = trackPointExtension(value(p, 'temperature_c'), value(p, 'heart_rate'), value(p, 'cadence'));
    if (ext) pt += `<extensions><gpxtpx:TrackPointExtension>${ext}</gpxtpx:TrackPointExtension></extensions>`;
    yield `${pt}</trkpt>\n`;
  }
  yield '    </trkseg>\n  </trk>\n</gpx>\n';
}

// hr and cad are xsd:unsignedByte in the extension's schema (hr at least 1, cad at most 254); FIT
// holds them as whole numbers in those ranges, anything else is left out rather than made invalid.
function trackPointExtension(atemp: number | null, hr: number | null, cad: number | null): string {
  let s = '';
  if (atemp !== null) s += `<gpxtpx:atemp>${xmlNumber(atemp)}</gpxtpx:atemp>`;
  if (hr !== null && Number.isInteger(hr) && hr >= 1 && hr <= 255) s += `<gpxtpx:hr>${hr}</gpxtpx:hr>`;
  if (cad !== null && Number.isInteger(cad) && cad >= 0 && cad <= 254) s += `<gpxtpx:cad>${cad}</gpxtpx:cad>`;
  return s;
}
