import { sanitizeForTerminal } from '../terminal-text.js';

/** Seconds as m:ss or h:mm:ss. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** Server text shown on a terminal: one printable line, bounded. */
export function oneLine(s: string): string {
  return sanitizeForTerminal(s).trim().slice(0, 500);
}
