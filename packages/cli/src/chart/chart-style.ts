/**
 * How a chart may draw: `ascii` keeps to printable ASCII (and implies no colour: `--ascii` is plain
 * text), `color` allows SGR colour codes (off for NO_COLOR / --no-color, or when stdout is no terminal).
 */
export interface ChartStyle {
  ascii: boolean;
  color: boolean;
}

export type ChartColour = 'red' | 'green' | 'yellow' | 'blue' | 'magenta' | 'cyan' | 'dim';

const SGR: Record<ChartColour, readonly [number, number]> = {
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  magenta: [35, 39],
  cyan: [36, 39],
  dim: [2, 22],
};

/** `text` in `colour` when the style allows colour; blank text stays uncoloured. */
export function paint(text: string, colour: ChartColour | undefined, style: ChartStyle): string {
  if (!colour || !style.color || style.ascii || text.trim() === '') return text;
  const [on, off] = SGR[colour];
  return `\u001b[${on}m${text}\u001b[${off}m`;
}

/** At most `width` characters (every glyph the charts use is one column wide). */
export function clip(text: string, width: number): string {
  const chars = Array.from(text);
  return chars.length <= width ? text : chars.slice(0, Math.max(0, width)).join('');
}
