// Text from the server is shown on a terminal, which obeys control codes: an
// activity named "\x1b]0;evil\x07" would retitle the window, "\x1b[2J" clear
// the screen, an OSC 52 string write the clipboard. Every human-readable
// renderer (tables, "key: value" records, CSV, message lines, error messages)
// passes server text through `sanitizeForTerminal`; JSON output does not need
// it (JSON.stringify escapes every control character).
//
// Sequences per ECMA-48 (5th ed.) §5: a whole sequence is removed, so no
// parameter bytes ("[2J", "]0;evil") are left behind.
const SEQUENCES = new RegExp(
  [
    // Control strings: OSC (ESC ] / 0x9D), DCS (ESC P / 0x90), SOS (ESC X / 0x98),
    // PM (ESC ^ / 0x9E), APC (ESC _ / 0x9F), up to ST (ESC \ / 0x9C) or BEL
    // (xterm's OSC terminator); an unterminated one runs to the end of the text,
    // as a terminal would swallow it.
    '(?:\\u001b[\\]PX^_]|[\\u0090\\u0098\\u009d\\u009e\\u009f])[\\s\\S]*?(?:\\u0007|\\u001b\\\\|\\u009c|$)',
    // CSI (ESC [ / 0x9B): parameter bytes 0x30–0x3F, intermediates 0x20–0x2F, a final byte 0x40–0x7E.
    '(?:\\u001b\\[|\\u009b)[0-?]*[ -/]*[@-~]',
    // Other escape sequences: ESC, intermediates, one final byte (e.g. ESC c, ESC ( B, ESC 7).
    // A sequence cut short loses only its ESC (below): what follows is printable and
    // may be the CLI's own text, as in "connected (NAME)".
    '\\u001b[ -/]*[0-~]',
  ].join('|'),
  'g',
);
// C0 controls, DEL and C1 controls left over (lone bytes).
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;
const CONTROLS_BUT_LF = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g;

/**
 * Server-provided text made safe for a terminal: escape sequences removed
 * whole, tabs and line breaks turned into spaces (a table cell or value stays
 * on its line; CR could overwrite what was printed before it), every other
 * C0/C1 control and DEL removed. With `multiline`, LF is kept (message text
 * of several lines that the CLI itself composed).
 */
export function sanitizeForTerminal(text: string, o: { multiline?: boolean } = {}): string {
  // Fast path: most text has no control character at all.
  if (!/[\u0000-\u001f\u007f-\u009f]/.test(text)) return text;
  const noSeq = text.replace(SEQUENCES, '');
  if (o.multiline) return noSeq.replace(/[\t\r]/g, ' ').replace(CONTROLS_BUT_LF, '');
  return noSeq.replace(/[\t\n\r]/g, ' ').replace(CONTROLS, '');
}
