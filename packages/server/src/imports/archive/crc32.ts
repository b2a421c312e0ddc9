// One CRC-32 for the whole project: the Garmin client's (zlib's own when Node has it).
export { crc32 } from '@fitsync/garmin';
