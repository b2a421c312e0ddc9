// qrcode's own browser-safe parts, imported directly: the package's browser entry also bundles a
// canvas renderer the app never uses. (@types/qrcode describes the Node entry and pulls in Node's types.)
declare module 'qrcode/lib/core/qrcode.js' {
  export interface QrData {
    modules: { size: number; data: Uint8Array };
  }
  export function create(text: string, options?: { errorCorrectionLevel?: 'L' | 'M' | 'Q' | 'H' }): QrData;
}
declare module 'qrcode/lib/renderer/svg-tag.js' {
  import type { QrData } from 'qrcode/lib/core/qrcode.js';
  export function render(data: QrData, options?: { margin?: number; color?: { dark?: string; light?: string } }): string;
}
