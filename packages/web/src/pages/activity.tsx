// /activities/{id}: one activity — summary, track, laps, heart-rate and pace charts, the FIT file
// (docs/web.md "Pages").
import type { ActivityDetail, ActivityRecords, Lap } from '@fitsync/api';
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, apiGet } from '../api.js';
import { ACTIVITY_CHART_FIELDS, type ActivitySeries, activitySeries } from '../charts/activity-series.js';
import { clock, elapsedAxis, paceAxis, valueAxis } from '../charts/axes.js';
import { LineChart } from '../charts/line-chart.js';
import { extentOf, type Point, quantileExtent, windowMeans } from '../charts/series.js';
import { Track } from '../charts/track.js';
import { Alert, formatDateTime, formatDistance, formatDuration, formatNumber, formatPace, Loading, Table } from '../ui.js';
import { activityName, typeLabel } from './activities.js';

/** The records, or why there are none to draw. */
type Records = { series: ActivitySeries; count: number } | { missing: string };

export default function Page(props: { params: Record<string, string>; query: URLSearchParams }): JSX.Element {
  const id = props.params['id'] ?? '';
  const [detail, setDetail] = useState<ActivityDetail | null>(null);
  const [records, setRecords] = useState<Records | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    let live = true;
    setDetail(null);
    setRecords(null);
    setError(null);
    const base = `/v1/activities/${encodeURIComponent(id)}`;
    (async () => {
      try {
        const d = await apiGet<ActivityDetail>(base);
        if (!live) return;
        setDetail(d);
        if (d.record_count === null) {
          setRecords({ missing: d.decode_error ? `The FIT file could not be read: ${d.decode_error}` : 'The FIT file is not read yet.' });
          return;
        }
        const r = await apiGet<ActivityRecords>(`${base}/records?fields=${ACTIVITY_CHART_FIELDS.join(',')}`);
        if (live) setRecords({ series: activitySeries(r), count: r.points.length });
      } catch (err) {
        if (!live) return;
        // The records' own 422 (not decodable) is a sentence in the charts' place, not a page error.
        if (err instanceof ApiError && err.status === 422) setRecords({ missing: `The FIT file could not be read: ${err.detail ?? err.message}` });
        else setError(err);
      }
    })();
    return () => {
      live = false;
    };
  }, [id]);

  if (detail === null) {
    if (error === null) return <Loading label="Loading the activity…" />;
    const notFound = error instanceof ApiError && (error.status === 404 || error.status === 400);
    return (
      <>
        <h1>{notFound ? 'Activity not found' : 'Activity'}</h1>
        <Alert error={notFound ? undefined : error}>{notFound ? 'There is no such activity in your account.' : undefined}</Alert>
        <p>
          <a href="/activities">Back to activities</a>
        </p>
      </>
    );
  }

  return (
    <>
      <h1>{activityName(detail)}</h1>
      <Alert error={error ?? undefined} />
      <h2>Summary</h2>
      <Summary a={detail} />
      {detail.fit_sha256 !== null ? (
        <p>
          <a href={`/v1/activities/${encodeURIComponent(detail.activity_id)}/fit`} download={`${detail.activity_id}.fit`}>
            Download FIT file
          </a>
        </p>
      ) : (
        <p class="muted">No FIT file is stored for this activity.</p>
      )}
      <h2>Track</h2>
      {records === null ? (
        <Loading label="Loading the records…" />
      ) : 'missing' in records ? (
        <p>No track: {records.missing}</p>
      ) : records.series.hasTrack ? (
        <Track positions={records.series.positions} />
      ) : (
        <p>{records.count === 0 ? 'No track: the activity has no records.' : 'No track: no positions were recorded (an indoor activity or no GPS).'}</p>
      )}
      <h2>Laps</h2>
      <Laps laps={detail.laps} />
      <h2>Heart rate</h2>
      {records === null ? (
        <Loading label="Loading the records…" />
      ) : 'missing' in records ? (
        <p>No heart-rate chart: {records.missing}</p>
      ) : records.series.hasHeartRate ? (
        <HeartRateChart s={records.series} />
      ) : (
        <p>No heart rate was recorded for this activity.</p>
      )}
      <h2>Pace</h2>
      {records === null ? (
        <Loading label="Loading the records…" />
      ) : 'missing' in records ? (
        <p>No pace chart: {records.missing}</p>
      ) : records.series.hasPace ? (
        <PaceChart s={records.series} />
      ) : (
        <p>No speed was recorded for this activity, so there is no pace to show.</p>
      )}
      <p>
        <a href="/activities">Back to activities</a>
      </p>
    </>
  );
}

function Summary(props: { a: ActivityDetail }): JSX.Element {
  const a = props.a;
  const avgSpeed = a.duration_s !== null && a.distance_m !== null && a.duration_s > 0 ? a.distance_m / a.duration_s : null;
  const device = a.device ? [a.device.manufacturer, a.device.product].filter((s) => s).join(' ') : '';
  const sport = [a.sport, a.sub_sport].filter((s): s is string => s !== null && s !== 'generic').map(typeLabel).join(', ');
  const rows: [string, string][] = [
    ['Start', formatDateTime(a.start_time)],
    ['Type', typeLabel(a.activity_type)],
    ...(sport && sport.toLowerCase() !== typeLabel(a.activity_type).toLowerCase() ? ([['Sport', sport]] as [string, string][]) : []),
    ['Distance', formatDistance(a.distance_m)],
    ['Duration', formatDuration(a.duration_s)],
    ['Average pace', formatPace(avgSpeed)],
    ['Average heart rate', a.avg_hr === null ? '—' : `${formatNumber(a.avg_hr)} bpm`],
    ['Calories', a.calories === null ? '—' : `${formatNumber(a.calories)} kcal`],
    ...(device ? ([['Device', device]] as [string, string][]) : []),
  ];
  return (
    <dl class="summary">
      {rows.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

const LAP_HEADERS = ['Lap', 'Time', 'Distance (km)', 'Pace (/km)', 'Avg heart rate (bpm)', 'Max heart rate (bpm)', 'Ascent (m)'];

function Laps(props: { laps: readonly Lap[] }): JSX.Element {
  if (props.laps.length === 0) return <p>This activity has no laps.</p>;
  const n = (v: number | null, digits = 0) => (v === null ? '—' : formatNumber(v, digits));
  // Units in the headers keep the cells short: the table fits a phone's width (styles-data.css).
  return (
    <Table
      caption="Laps"
      class="laps"
      headers={LAP_HEADERS}
      numeric={LAP_HEADERS}
    >
      {props.laps.map((l) => (
        <tr key={l.index}>
          <td class="num">{l.index + 1}</td>
          <td class="num">{formatDuration(l.duration_s)}</td>
          <td class="num">{l.distance_m === null ? '—' : n(l.distance_m / 1000, 2)}</td>
          <td class="num">{formatPace(l.avg_speed_mps).replace(' /km', '')}</td>
          <td class="num">{n(l.avg_hr)}</td>
          <td class="num">{n(l.max_hr)}</td>
          <td class="num">{n(l.ascent_m)}</td>
        </tr>
      ))}
    </Table>
  );
}

function range(points: readonly Point[]): [number, number] {
  return extentOf(points) ?? [0, 1];
}

function HeartRateChart(props: { s: ActivitySeries }): JSX.Element {
  const [lo, hi] = range(props.s.heartRate);
  return (
    <>
      <LineChart
        label="Heart rate chart"
        description={`Heart rate in beats per minute over ${clock(props.s.elapsed)}: from ${Math.round(lo)} to ${Math.round(hi)} bpm`}
        points={props.s.heartRate}
        x={elapsedAxis(props.s.elapsed)}
        y={valueAxis(lo, hi)}
        unit="bpm"
        tone="heart"
      />
      <ByMinute caption="Heart rate by minute" header="Average heart rate (bpm)" points={props.s.heartRate} format={(v) => String(Math.round(v))} />
    </>
  );
}

function PaceChart(props: { s: ActivitySeries }): JSX.Element {
  // The slowest 2 % (a start, a stop at a crossing) are drawn on the axis's edge, not given the axis.
  const [lo, hi] = quantileExtent(props.s.pace, 0.02) ?? [0, 1];
  return (
    <>
      <LineChart
        label="Pace chart"
        description={`Pace in minutes per kilometre over ${clock(props.s.elapsed)}: from ${clock(lo)} to ${clock(hi)} per km, faster higher; standing still is left out`}
        points={props.s.pace}
        x={elapsedAxis(props.s.elapsed)}
        y={paceAxis(lo, hi)}
        unit="min/km"
        tone="pace"
        invertY
      />
      <p class="chart-note">Faster is higher. Slower than 20:00 /km counts as standing still and is left out.</p>
      <ByMinute caption="Pace by minute" header="Average pace (min/km)" points={props.s.pace} format={clock} />
    </>
  );
}

/** A chart's numbers as a table, one row per minute (every record would be thousands of rows). */
function ByMinute(props: { caption: string; header: string; points: readonly Point[]; format: (v: number) => string }): JSX.Element {
  const rows = windowMeans(props.points, 60);
  return (
    <details class="chart-table">
      <summary>Show as table</summary>
      <Table caption={props.caption} headers={['Minute', props.header]} numeric={['Minute', props.header]}>
        {rows.map((r) => (
          <tr key={r.from}>
            <td class="num">{clock(r.from)}</td>
            <td class="num">{props.format(r.mean)}</td>
          </tr>
        ))}
      </Table>
    </details>
  );
}
