/** Seconds between the Unix epoch and the FIT epoch (1989-12-31T00:00:00Z). */
const FIT_EPOCH_S = 631_065_600;
/** `file_id.type` of an activity file (FIT profile `file`). */
export const FIT_FILE_ACTIVITY = 4;

const MESG_FILE_ID = 0;
const MESG_SESSION = 18;

/** What the import needs to know of a FIT file before deciding to keep it. */
export interface FitPeek {
  /** `file_id.type`, null when the file has none (or is not a FIT file). */
  fileType: number | null;
  /** `file_id.time_created` (epoch ms): when the device started the file, null when absent. */
  timeCreatedMs: number | null;
  /** Whether a session message was found (a file cut short loses its session, which comes last). */
  hasSession: boolean;
  /** The first session's `start_time` (epoch ms), null when there is no session or it has none. */
  sessionStartMs: number | null;
  /** The first session's totals (m, s), for the summaries' unit checks; null when absent. */
  sessionDistanceM: number | null;
  sessionTimerS: number | null;
}

interface FieldDef {
  num: number;
  size: number;
}
interface Def {
  global: number;
  little: boolean;
  fields: FieldDef[];
  size: number;
}

const NONE: FitPeek = { fileType: null, timeCreatedMs: null, hasSession: false, sessionStartMs: null, sessionDistanceM: null, sessionTimerS: null };

/**
 * Reads the FIT header and walks the record headers, decoding only `file_id.type` and the first
 * session's start time and totals: most FIT files of an export are monitoring or device files
 * (garmin-export.md §3), and only activity files with a session start can match a summary. A
 * full decode happens only for the files kept. Never throws: a malformed file gives what was read
 * before the damage (a file cut short keeps its type and time_created).
 */
export function peekFit(bytes: Uint8Array): FitPeek {
  if (bytes.length < 12) return NONE;
  const headerSize = bytes[0]!;
  if (headerSize < 12 || bytes.length < headerSize) return NONE;
  if (bytes[8] !== 0x2e || bytes[9] !== 0x46 || bytes[10] !== 0x49 || bytes[11] !== 0x54) return NONE; // ".FIT"
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dataSize = view.getUint32(4, true);
  const end = Math.min(bytes.length, headerSize + dataSize);
  const defs = new Map<number, Def>();
  const out: FitPeek = { ...NONE };
  let pos = headerSize;
  while (pos < end) {
    const h = bytes[pos++]!;
    let local: number;
    if (h & 0x80) {
      local = (h >> 5) & 0x03; // compressed timestamp header: always a data message
    } else if (h & 0x40) {
      const def = readDefinition(bytes, view, pos, end, (h & 0x20) !== 0);
      if (!def) return out;
      defs.set(h & 0x0f, def.def);
      pos = def.next;
      continue;
    } else {
      local = h & 0x0f;
    }
    const def = defs.get(local);
    if (!def || pos + def.size > end) return out;
    if (def.global === MESG_FILE_ID && out.fileType === null) {
      const v = fieldValue(view, pos, def, 0, 1);
      if (v !== null && v !== 0xff) out.fileType = v;
      if (out.fileType !== FIT_FILE_ACTIVITY) return out; // not an activity: nothing more to learn
      const created = fieldValue(view, pos, def, 4, 4);
      if (created !== null && created !== 0xffffffff) out.timeCreatedMs = (created + FIT_EPOCH_S) * 1000;
    } else if (def.global === MESG_SESSION) {
      out.hasSession = true;
      const start = fieldValue(view, pos, def, 2, 4);
      if (start !== null && start !== 0xffffffff) out.sessionStartMs = (start + FIT_EPOCH_S) * 1000;
      const dist = fieldValue(view, pos, def, 9, 4);
      if (dist !== null && dist !== 0xffffffff) out.sessionDistanceM = dist / 100;
      const timer = fieldValue(view, pos, def, 8, 4);
      if (timer !== null && timer !== 0xffffffff) out.sessionTimerS = timer / 1000;
      return out;
    }
    pos += def.size;
  }
  return out;
}

function readDefinition(bytes: Uint8Array, view: DataView, pos: number, end: number, dev: boolean): { def: Def; next: number } | null {
  if (pos + 5 > end) return null;
  const little = bytes[pos + 1] === 0;
  const global = view.getUint16(pos + 2, little);
  const n = bytes[pos + 4]!;
  let p = pos + 5;
  if (p + 3 * n > end) return null;
  const fields: FieldDef[] = [];
  let size = 0;
  for (let i = 0; i < n; i++, p += 3) {
    fields.push({ num: bytes[p]!, size: bytes[p + 1]! });
    size += bytes[p + 1]!;
  }
  if (dev) {
    if (p + 1 > end) return null;
    const m = bytes[p++]!;
    if (p + 3 * m > end) return null;
    for (let i = 0; i < m; i++, p += 3) size += bytes[p + 1]!;
  }
  return { def: { global, little, fields, size }, next: p };
}

/** An unsigned field of `size` bytes (1 or 4) of the data message at `pos`, null when absent. */
function fieldValue(view: DataView, pos: number, def: Def, num: number, size: 1 | 4): number | null {
  let off = pos;
  for (const f of def.fields) {
    if (f.num === num) {
      if (f.size !== size) return null;
      return size === 1 ? view.getUint8(off) : view.getUint32(off, def.little);
    }
    off += f.size;
  }
  return null;
}
