/**
 * A device login's user code as the server shows it (`XXXX-XXXX`, docs/web.md), from what a
 * person typed: any case, spaces or a dash anywhere. Anything else is passed on trimmed, and the
 * server answers whether it knows it.
 */
export function normalizeUserCode(input: string): string {
  const letters = input.toUpperCase().replace(/[^A-Z]/g, '');
  return letters.length === 8 && !/[^A-Z\s-]/i.test(input) ? `${letters.slice(0, 4)}-${letters.slice(4)}` : input.trim().toUpperCase();
}
