import type { Device, Lap, RecordField } from '@fitsync/api';

// What a decode gives, without the decoder: the main thread imports this module, the FIT SDK is
// loaded only where files are decoded (the decode workers, src/activities/decode-pool.ts).

/**
 * Bumped whenever what is decoded from a FIT file changes: `fitsync-server rebuild` re-decodes
 * every activity stored by an older version (src/rebuild/activities-rebuilder.ts).
 */
export const DECODER_VERSION = 1;

/** What one FIT file holds, ready to store (the records already encoded by records-codec.ts). */
export interface DecodedFit {
  decoderVersion: number;
  sport: string | null;
  subSport: string | null;
  device: Device | null;
  laps: Lap[];
  /** null when the file could not be decoded. */
  recordCount: number | null;
  recordFields: RecordField[];
  records: Buffer | null;
  /** Why the SDK rejected the file; null when it decoded. */
  error: string | null;
}

/** Longest decode_error kept: a reason, not a dump. */
const MAX_ERROR = 200;

/** The decode of a file that could not be decoded, saying why (shortened to a reason). */
export function failedDecode(error: string): DecodedFit {
  return {
    decoderVersion: DECODER_VERSION,
    sport: null,
    subSport: null,
    device: null,
    laps: [],
    recordCount: null,
    recordFields: [],
    records: null,
    error: error.length > MAX_ERROR ? `${error.slice(0, MAX_ERROR - 1)}…` : error,
  };
}
