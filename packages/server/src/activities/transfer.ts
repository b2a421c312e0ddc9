/**
 * The transfer list that moves `bytes` to another thread without a copy: its ArrayBuffer when the
 * view covers all of it (a slice of Node's shared Buffer pool cannot move and is copied instead).
 */
export function transferable(bytes: Uint8Array | null): ArrayBuffer[] {
  if (!bytes) return [];
  const buf = bytes.buffer;
  return buf instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === buf.byteLength ? [buf] : [];
}
