import type { ChartStyle } from '../chart/chart-style.js';
import type { Deps } from '../factory.js';

/** Where charts go: the terminal's width and what it may draw. */
export interface ChartTarget {
  width: number;
  style: ChartStyle;
}

/** Widest chart drawn: past this, lines get hard to follow across a wide terminal. */
const MAX_WIDTH = 160;

/**
 * Charts are drawn only on a terminal and only for table output: never into -o json|csv, never
 * into a pipe. `--ascii` means plain ASCII and no colour; NO_COLOR/--no-color means no colour.
 */
export async function chartTarget(deps: Deps, ascii: boolean): Promise<ChartTarget | undefined> {
  if (!deps.io.isStdoutTTY() || (await deps.output()) !== 'table') return undefined;
  const width = Math.min(deps.io.stdoutColumns() ?? 80, MAX_WIDTH);
  return { width, style: { ascii, color: deps.globals.color && !ascii } };
}
