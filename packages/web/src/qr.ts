// Loaded with import() only while enrolling in MFA: the QR encoder is most of its chunk.
import { create } from 'qrcode/lib/core/qrcode.js';
import { render } from 'qrcode/lib/renderer/svg-tag.js';

/** `text` as a QR code: an SVG `data:` URL for an <img> (the CSP allows img-src data:, no inline markup). */
export function qrDataUrl(text: string): string {
  const svg = render(create(text, { errorCorrectionLevel: 'M' }), { margin: 2, color: { dark: '#000000ff', light: '#ffffffff' } });
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
}
