/** A position in degrees; either may be null when the record has no fix. */
export type LatLon = readonly [lat: number | null | undefined, lon: number | null | undefined];

/** The track in viewBox coordinates, ready to draw. */
export interface ProjectedTrack {
  /** Points in order, x right, y down; positions less than `minStep` apart are merged. */
  points: [number, number][];
  start: [number, number];
  finish: [number, number];
}

export interface FitBox {
  width: number;
  height: number;
  /** Free margin on every side (room for the markers). */
  padding: number;
  /** Points closer than this to the last one kept are dropped (a pixel or less: invisible). */
  minStep?: number;
}

function valid(p: LatLon): p is readonly [number, number] {
  const [lat, lon] = p;
  return (
    typeof lat === 'number' && typeof lon === 'number' && Number.isFinite(lat) && Number.isFinite(lon) &&
    Math.abs(lat) <= 90 && Math.abs(lon) <= 180
  );
}

/**
 * Draws a track without map tiles: an equirectangular projection (x = longitude × cos(mid
 * latitude), y = latitude) — over the few kilometres of an activity the distortion is far below a
 * pixel, and the cosine keeps east–west distances true to north–south ones. The result is scaled
 * to fit the box with its aspect kept and centred; north is up. Points without a position are
 * skipped. A track across the antimeridian is kept in one piece. Null when no point has a position.
 */
export function projectTrack(track: readonly LatLon[], box: FitBox): ProjectedTrack | null {
  const fixes = track.filter(valid);
  if (fixes.length === 0) return null;
  let minLon = Number.POSITIVE_INFINITY;
  let maxLon = Number.NEGATIVE_INFINITY;
  for (const [, lon] of fixes) {
    minLon = Math.min(minLon, lon);
    maxLon = Math.max(maxLon, lon);
  }
  // Longitudes spanning more than half the globe mean the track crosses ±180°: shift the west side by 360°.
  const wrap = maxLon - minLon > 180;
  let x0 = Number.POSITIVE_INFINITY;
  let x1 = Number.NEGATIVE_INFINITY;
  let y0 = Number.POSITIVE_INFINITY;
  let y1 = Number.NEGATIVE_INFINITY;
  let minLat = Number.POSITIVE_INFINITY;
  let maxLat = Number.NEGATIVE_INFINITY;
  for (const [lat] of fixes) {
    minLat = Math.min(minLat, lat);
    maxLat = Math.max(maxLat, lat);
  }
  const k = Math.cos((((minLat + maxLat) / 2) * Math.PI) / 180);
  const plane = fixes.map(([lat, lon]): [number, number] => {
    const x = (wrap && lon < 0 ? lon + 360 : lon) * k;
    const y = -lat;
    x0 = Math.min(x0, x);
    x1 = Math.max(x1, x);
    y0 = Math.min(y0, y);
    y1 = Math.max(y1, y);
    return [x, y];
  });
  const innerW = Math.max(0, box.width - 2 * box.padding);
  const innerH = Math.max(0, box.height - 2 * box.padding);
  const dx = x1 - x0;
  const dy = y1 - y0;
  // One scale for both axes keeps the shape; a track that is one point (or a line) still centres.
  const scale = Math.min(dx > 0 ? innerW / dx : Number.POSITIVE_INFINITY, dy > 0 ? innerH / dy : Number.POSITIVE_INFINITY);
  const s = Number.isFinite(scale) ? scale : 0;
  const ox = box.padding + (innerW - dx * s) / 2;
  const oy = box.padding + (innerH - dy * s) / 2;
  const at = ([x, y]: [number, number]): [number, number] => [round(ox + (x - x0) * s), round(oy + (y - y0) * s)];
  const minStep = box.minStep ?? 0;
  const points: [number, number][] = [];
  for (const p of plane) {
    const q = at(p);
    const last = points[points.length - 1];
    if (last !== undefined && Math.hypot(q[0] - last[0], q[1] - last[1]) < minStep) continue;
    points.push(q);
  }
  const finish = at(plane[plane.length - 1]!);
  const lastKept = points[points.length - 1]!;
  if (lastKept[0] !== finish[0] || lastKept[1] !== finish[1]) points.push(finish);
  return { points, start: points[0]!, finish };
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}
