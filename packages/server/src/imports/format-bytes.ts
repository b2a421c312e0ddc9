/**
 * A byte count for people, in decimal units (FITSYNC_IMPORT_MAX_BYTES defaults to 20 GB = 20·10⁹
 * bytes, as disks and Garmin's export page count).
 */
export function formatBytes(n: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  if (i === 0) return `${n} bytes`;
  return `${v >= 100 ? Math.round(v) : Number(v.toFixed(1))} ${units[i]}`;
}
