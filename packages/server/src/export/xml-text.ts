// Characters XML 1.0 does not allow at all (§2.2 Char), even escaped: C0 controls but tab/LF/CR,
// lone surrogates, U+FFFE/U+FFFF. Activity names are user text and may hold any of them.
const NOT_XML_CHAR =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Text safe in XML character data and attribute values: markup escaped, characters XML forbids replaced by U+FFFD. */
export function xmlText(s: string): string {
  return s.replace(NOT_XML_CHAR, '\uFFFD').replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/**
 * A number as xsd:decimal/xsd:double accept it: the shortest text that reads back as the same
 * double (so coordinates keep every digit the FIT file had), never with an exponent.
 */
export function xmlNumber(n: number): string {
  const s = String(n);
  const e = s.indexOf('e');
  if (e === -1) return s;
  // JavaScript writes exponents below 1e-6 and from 1e21 on; move the point in the same digits.
  const sign = s.startsWith('-') ? '-' : '';
  const [int, frac = ''] = s.slice(sign.length, e).split('.');
  const digits = int! + frac;
  const point = int!.length + Number(s.slice(e + 1));
  return point <= 0 ? `${sign}0.${'0'.repeat(-point)}${digits}` : `${sign}${digits.padEnd(point, '0')}`;
}

/** Epoch ms as an ISO 8601 UTC time, with milliseconds only when the time has them. */
export function isoTime(ms: number): string {
  const s = new Date(ms).toISOString();
  return s.endsWith('.000Z') ? `${s.slice(0, -5)}Z` : s;
}
