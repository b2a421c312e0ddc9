/**
 * JSON parsing that keeps 64-bit integers exact. Garmin activity ids are
 * 64-bit (garmin-protocol.md: "keep it exact"); `JSON.parse` would round any
 * integer above 2^53. Node 20 has no reviver source access, so integer literals
 * outside the safe range are quoted before parsing: they arrive as decimal
 * strings. Parsers of ids accept either form and always return strings.
 */

/** Parses JSON text; integers beyond ±(2^53−1) come back as decimal strings. */
export function parseExactJson(text: string): unknown {
  // Most answers (health series: thousands of numbers) hold no 16-digit number at all: a native
  // regex scan spares them the character-by-character pass. (The regex tries digits only where a
  // run of them starts, so its cost stays linear in the text.)
  return JSON.parse(SIXTEEN_DIGITS.test(text) ? quoteUnsafeIntegers(text) : text);
}

const SIXTEEN_DIGITS = /(?:^|\D)\d{16}/;

/** Quotes integer literals that a double cannot hold exactly (outside strings). */
export function quoteUnsafeIntegers(text: string): string {
  let out = '';
  let last = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const ch = text.charCodeAt(i);
    if (ch === 0x22 /* " */) {
      i++;
      while (i < n) {
        const c = text.charCodeAt(i);
        if (c === 0x5c /* \ */) i += 2;
        else if (c === 0x22) {
          i++;
          break;
        } else i++;
      }
      continue;
    }
    if (ch === 0x2d /* - */ || (ch >= 0x30 && ch <= 0x39)) {
      const start = i;
      i++;
      while (i < n) {
        const c = text.charCodeAt(i);
        if ((c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b || c === 0x2d) i++;
        else break;
      }
      const tok = text.slice(start, i);
      // 16+ digit integers may exceed 2^53; check exactly with BigInt.
      if (/^-?\d{16,}$/.test(tok)) {
        const big = BigInt(tok);
        if (big > BigInt(Number.MAX_SAFE_INTEGER) || big < -BigInt(Number.MAX_SAFE_INTEGER)) {
          out += `${text.slice(last, start)}"${tok}"`;
          last = i;
        }
      }
      continue;
    }
    i++;
  }
  return last === 0 ? text : out + text.slice(last);
}
