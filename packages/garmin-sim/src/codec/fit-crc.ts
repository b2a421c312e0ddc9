/** The FIT file checksum (the ZIP one, CRC-32, is @fitsync/garmin's: one zip codec for client and sim). */

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
