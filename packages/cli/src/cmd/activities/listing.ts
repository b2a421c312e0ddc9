import type { Deps } from '../../factory.js';
import { type Column, printRows, type Scalar } from '../../output.js';

/** What a listing command prints: a readable table, or the API's records as they are (-o json|csv). */
export interface Listing<T> {
  items: readonly T[];
  /** Under this key in JSON output. */
  key: string;
  table: { columns: Column[]; row: (item: T) => Record<string, Scalar> };
  /** The raw fields for CSV. */
  raw: Column[];
  /** Shown on stderr under an empty table. */
  empty: string;
}

/** Prints a listing in the chosen output format. */
export async function printListing<T>(deps: Deps, l: Listing<T>): Promise<void> {
  const format = await deps.output();
  if (format === 'table') {
    printRows(deps.io.out, format, l.items.map(l.table.row), l.table.columns, l.key);
    if (l.items.length === 0) deps.io.info(l.empty);
  } else {
    printRows(deps.io.out, format, l.items as unknown as Record<string, Scalar>[], l.raw, l.key);
  }
}
