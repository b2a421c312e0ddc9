import { type ChartColour, type ChartStyle, paint } from './chart-style.js';

/** A position in degrees: `[lat, lon]`. */
export type LatLon = readonly [number, number];

export interface TrackOutlineOptions {
  /** Columns available; no line is longer. */
  width: number;
  /** Rows available at most; fewer when the track is wider than tall. */
  height: number;
  style: ChartStyle;
  colour?: ChartColour;
}

/** Braille dot bits by [row][column] inside one cell (Unicode "Braille Patterns", U+2800 block). */
const BRAILLE_BITS = [
  [0x01, 0x08],
  [0x02, 0x10],
  [0x04, 0x20],
  [0x40, 0x80],
];
const EARTH_RADIUS_M = 6_371_008.8;

/**
 * The track drawn from above, north up: positions projected equirectangularly around the track's
 * middle latitude (true to scale over the few kilometres of an activity), scaled by one factor for
 * both axes (the shape is kept) into `width` × `height` terminal cells, consecutive points joined by
 * lines. Unicode uses Braille dots (2 × 4 per cell, about square on a terminal whose cells are twice
 * as tall as wide); `--ascii` one of `'`, `.` and `:` per cell (upper, lower, both halves).
 * Returns no lines for fewer than one position; a track without extent is one dot.
 */
export function trackOutline(points: readonly LatLon[], o: TrackOutlineOptions): string[] {
  const pts = points.filter(([lat, lon]) => Number.isFinite(lat) && Number.isFinite(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180);
  if (pts.length === 0 || o.width < 1 || o.height < 1) return [];
  const lats = pts.map((p) => p[0]);
  const midLat = ((Math.min(...lats) + Math.max(...lats)) / 2) * (Math.PI / 180);
  const lon0 = (pts[0] as LatLon)[1];
  // Metres east/north of the first point; longitudes unwrapped across the antimeridian.
  const xy = pts.map(([lat, lon]) => {
    let d = lon - lon0;
    if (d > 180) d -= 360;
    if (d < -180) d += 360;
    return [d * (Math.PI / 180) * Math.cos(midLat) * EARTH_RADIUS_M, lat * (Math.PI / 180) * EARTH_RADIUS_M] as const;
  });
  const xs = xy.map((p) => p[0]);
  const ys = xy.map((p) => p[1]);
  const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  // Dots per cell: Braille 2 across × 4 down; ASCII 1 × 2. Either way a dot is about square.
  const [dx, dy] = o.style.ascii ? [1, 2] : [2, 4];
  const dotsW = o.width * dx;
  const dotsH = o.height * dy;
  const spanX = maxX - minX;
  const spanY = maxY - minY;
  const scale = spanX === 0 && spanY === 0 ? 0 : Math.min(spanX > 0 ? (dotsW - 1) / spanX : Infinity, spanY > 0 ? (dotsH - 1) / spanY : Infinity);
  const usedW = Math.round(spanX * scale) + 1;
  const usedH = Math.round(spanY * scale) + 1;
  const cols = Math.ceil(usedW / dx);
  const rows = Math.ceil(usedH / dy);
  const grid = Array.from({ length: rows }, () => new Array<number>(cols).fill(0));
  const plot = (x: number, y: number) => {
    const row = grid[Math.floor(y / dy)];
    if (row === undefined || x < 0 || x >= cols * dx) return;
    const c = Math.floor(x / dx);
    const bit = o.style.ascii ? (y % 2 === 0 ? 1 : 2) : (BRAILLE_BITS[y % 4] as number[])[x % 2] as number;
    row[c] = (row[c] as number) | bit;
  };
  const dot = ([x, y]: readonly [number, number]) => [Math.round((x - minX) * scale), Math.round((maxY - y) * scale)] as const;
  let prev = dot(xy[0] as readonly [number, number]);
  plot(prev[0], prev[1]);
  for (let i = 1; i < xy.length; i++) {
    const next = dot(xy[i] as readonly [number, number]);
    line(prev, next, plot);
    prev = next;
  }
  const glyph = (bits: number) => (o.style.ascii ? ([' ', "'", '.', ':'][bits] as string) : bits === 0 ? ' ' : String.fromCodePoint(0x2800 + bits));
  return grid.map((row) => paint(row.map(glyph).join('').trimEnd(), o.colour, o.style));
}

/** Bresenham's line from `a` to `b`, both ends included. */
function line(a: readonly [number, number], b: readonly [number, number], plot: (x: number, y: number) => void): void {
  let [x, y] = a;
  const [x1, y1] = b;
  const dx = Math.abs(x1 - x);
  const dy = -Math.abs(y1 - y);
  const sx = x < x1 ? 1 : -1;
  const sy = y < y1 ? 1 : -1;
  let err = dx + dy;
  for (;;) {
    plot(x, y);
    if (x === x1 && y === y1) return;
    const e2 = 2 * err;
    if (e2 >= dy) {
      err += dy;
      x += sx;
    }
    if (e2 <= dx) {
      err += dx;
      y += sy;
    }
  }
}
