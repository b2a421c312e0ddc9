import type { OutputFormat } from './globals.js';
import type { OutStream } from './iostreams.js';
import { sanitizeForTerminal } from './terminal-text.js';

export type Scalar = string | number | boolean | null | undefined;
export interface Column {
  key: string;
  header: string;
}

// Values are mostly server text: table and CSV cells go through
// sanitizeForTerminal (terminal-text.ts); JSON escapes controls by itself.

/** Prints one record: aligned "key: value" lines, one JSON object, or a CSV header + row. */
export function printRecord(out: OutStream, format: OutputFormat, record: Record<string, Scalar>, labels?: Record<string, string>): void {
  if (format === 'json') {
    out.write(`${JSON.stringify(record, null, 2)}\n`);
    return;
  }
  const keys = Object.keys(record);
  if (format === 'csv') {
    out.write(`${keys.map(csvField).join(',')}\n${keys.map((k) => csvField(record[k])).join(',')}\n`);
    return;
  }
  const names = keys.map((k) => labels?.[k] ?? k);
  const width = Math.max(...names.map((n) => n.length));
  out.write(keys.map((k, i) => `${`${names[i]}:`.padEnd(width + 2)}${display(record[k])}`).join('\n') + '\n');
}

/** Prints rows: aligned columns with a header, a JSON array under `jsonKey`, or CSV. */
export function printRows(out: OutStream, format: OutputFormat, rows: Record<string, Scalar>[], columns: Column[], jsonKey: string): void {
  if (format === 'json') {
    out.write(`${JSON.stringify({ [jsonKey]: rows }, null, 2)}\n`);
    return;
  }
  if (format === 'csv') {
    const lines = [columns.map((c) => csvField(c.key)).join(',')];
    for (const r of rows) lines.push(columns.map((c) => csvField(r[c.key])).join(','));
    out.write(`${lines.join('\n')}\n`);
    return;
  }
  const cells = rows.map((r) => columns.map((c) => display(r[c.key])));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => (row[i] as string).length)));
  const fmt = (row: string[]) => row.map((v, i) => (i === row.length - 1 ? v : v.padEnd(widths[i] as number))).join('  ').trimEnd();
  out.write(`${[fmt(columns.map((c) => c.header.toUpperCase())), ...cells.map(fmt)].join('\n')}\n`);
}

function display(v: Scalar): string {
  if (v === null || v === undefined) return '-';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  return sanitizeForTerminal(String(v));
}

/**
 * RFC 4180 quoting: fields with comma, quote, CR or LF are quoted, quotes
 * doubled. Control characters are removed first (CSV is often looked at on a
 * terminal), so a field never spans lines.
 */
export function csvField(v: Scalar): string {
  if (v === null || v === undefined) return '';
  const s = sanitizeForTerminal(String(v));
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
