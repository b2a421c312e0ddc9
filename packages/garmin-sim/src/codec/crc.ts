/** Checksums for the two binary formats the sim writes. */

const CRC32_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE 802.3, as used by ZIP). */
export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC32_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// FIT SDK's nibble-table CRC-16 (FIT protocol document, "CRC").
const FIT_CRC_TABLE = [
  0x0000, 0xcc01, 0xd801, 0x1400, 0xf001, 0x3c00, 0x2800, 0xe401, 0xa001, 0x6c00, 0x7800, 0xb401, 0x5000, 0x9c01, 0x8801,
  0x4400,
];

/** FIT CRC-16 of `data[start, end)`, continuing from `crc`. */
export function fitCrc16(data: Uint8Array, start = 0, end = data.length, crc = 0): number {
  let c = crc;
  for (let i = start; i < end; i++) {
    const byte = data[i]!;
    let tmp = FIT_CRC_TABLE[c & 0xf]!;
    c = (c >> 4) & 0x0fff;
    c = c ^ tmp ^ FIT_CRC_TABLE[byte & 0xf]!;
    tmp = FIT_CRC_TABLE[c & 0xf]!;
    c = (c >> 4) & 0x0fff;
    c = c ^ tmp ^ FIT_CRC_TABLE[(byte >> 4) & 0xf]!;
  }
  return c;
}
