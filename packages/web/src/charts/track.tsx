import type { JSX } from 'preact';
import { type LatLon, projectTrack } from './projection.js';

const W = 600;
const H = 400;

/**
 * The route drawn from the records' positions, north up, with a start and a finish marker; no
 * map tiles (nothing is fetched from elsewhere). Null when no record has a position: the page
 * says so in text.
 */
export function Track(props: { positions: readonly LatLon[] }): JSX.Element | null {
  // Half a pixel apart is the same pixel: thousands of records become a path of a few hundred points.
  const t = projectTrack(props.positions, { width: W, height: H, padding: 14, minStep: 0.5 });
  if (t === null) return null;
  const d = t.points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${x} ${y}`).join('');
  const [sx, sy] = t.start;
  const [fx, fy] = t.finish;
  return (
    <figure class="track">
      <svg class="track-map" viewBox={`0 0 ${W} ${H}`} role="img" aria-label="Track">
        <title>The route, north up, from the start (circle) to the finish (square)</title>
        <path class="track-line" d={d} />
        <circle class="track-start" cx={sx} cy={sy} r={7} />
        <rect class="track-finish" x={fx - 6} y={fy - 6} width={12} height={12} />
      </svg>
      <figcaption class="track-legend">
        <span class="legend-start" aria-hidden="true" /> Start <span class="legend-finish" aria-hidden="true" /> Finish · north is up
      </figcaption>
    </figure>
  );
}
