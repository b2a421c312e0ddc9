/** CSI sequences (colours, cursor moves) as a terminal would consume them. */
const CSI = /\u001b\[[0-9;?]*[A-Za-z]/g;

/** The text a terminal shows: escape sequences removed. */
export function withoutEscapes(text: string): string {
  return text.replace(CSI, '');
}

/** The lines of `text` (LF or CR LF) without escape sequences. */
export function screenLines(text: string): string[] {
  return withoutEscapes(text).split(/\r?\n/);
}

/** Columns the widest line takes (every glyph the charts use is one column wide). */
export function widest(text: string): number {
  return Math.max(...screenLines(text).map((l) => Array.from(l).length));
}
