import {
  type ActivitySeed,
  type ActivityTotals,
  type ActivityTrack,
  FIT_EPOCH_OFFSET_S,
  RECORD_INTERVAL_S,
} from '../data/activity-model.js';
import { fitCrc16 } from './fit-crc.js';

// FIT base types (FIT protocol, "Base Types").
const ENUM = 0x00;
const UINT8 = 0x02;
const UINT16 = 0x84;
const SINT32 = 0x85;
const UINT32 = 0x86;
const UINT32Z = 0x8c;

type Field = [num: number, size: number, baseType: number];

// Global message numbers and field numbers from the FIT profile (Profile.xlsx).
const FILE_ID: Field[] = [
  [0, 1, ENUM], // type
  [1, 2, UINT16], // manufacturer
  [2, 2, UINT16], // product
  [3, 4, UINT32Z], // serial_number
  [4, 4, UINT32], // time_created
];
const EVENT: Field[] = [
  [253, 4, UINT32], // timestamp
  [0, 1, ENUM], // event
  [1, 1, ENUM], // event_type
  [4, 1, UINT8], // event_group
];
const RECORD: Field[] = [
  [253, 4, UINT32], // timestamp
  [0, 4, SINT32], // position_lat (semicircles)
  [1, 4, SINT32], // position_long
  [2, 2, UINT16], // altitude (scale 5, offset 500)
  [3, 1, UINT8], // heart_rate
  [5, 4, UINT32], // distance (scale 100)
  [6, 2, UINT16], // speed (scale 1000)
  [73, 4, UINT32], // enhanced_speed (scale 1000)
  [78, 4, UINT32], // enhanced_altitude (scale 5, offset 500)
];
const LAP: Field[] = [
  [253, 4, UINT32], // timestamp
  [254, 2, UINT16], // message_index
  [0, 1, ENUM], // event
  [1, 1, ENUM], // event_type
  [2, 4, UINT32], // start_time
  [3, 4, SINT32], // start_position_lat
  [4, 4, SINT32], // start_position_long
  [5, 4, SINT32], // end_position_lat
  [6, 4, SINT32], // end_position_long
  [7, 4, UINT32], // total_elapsed_time (scale 1000)
  [8, 4, UINT32], // total_timer_time (scale 1000)
  [9, 4, UINT32], // total_distance (scale 100)
  [11, 2, UINT16], // total_calories
  [13, 2, UINT16], // avg_speed (scale 1000)
  [14, 2, UINT16], // max_speed
  [15, 1, UINT8], // avg_heart_rate
  [16, 1, UINT8], // max_heart_rate
  [21, 2, UINT16], // total_ascent
  [22, 2, UINT16], // total_descent
  [25, 1, ENUM], // sport
];
const SESSION: Field[] = [
  [253, 4, UINT32], // timestamp
  [254, 2, UINT16], // message_index
  [0, 1, ENUM], // event
  [1, 1, ENUM], // event_type
  [2, 4, UINT32], // start_time
  [3, 4, SINT32], // start_position_lat
  [4, 4, SINT32], // start_position_long
  [5, 1, ENUM], // sport
  [6, 1, ENUM], // sub_sport
  [7, 4, UINT32], // total_elapsed_time
  [8, 4, UINT32], // total_timer_time
  [9, 4, UINT32], // total_distance
  [11, 2, UINT16], // total_calories
  [14, 2, UINT16], // avg_speed
  [15, 2, UINT16], // max_speed
  [16, 1, UINT8], // avg_heart_rate
  [17, 1, UINT8], // max_heart_rate
  [22, 2, UINT16], // total_ascent
  [23, 2, UINT16], // total_descent
  [25, 2, UINT16], // first_lap_index
  [26, 2, UINT16], // num_laps
];
const ACTIVITY: Field[] = [
  [253, 4, UINT32], // timestamp
  [0, 4, UINT32], // total_timer_time
  [1, 2, UINT16], // num_sessions
  [2, 1, ENUM], // type (manual)
  [3, 1, ENUM], // event (activity)
  [4, 1, ENUM], // event_type (stop)
  [5, 4, UINT32], // local_timestamp
];

const MESG = { fileId: 0, session: 18, lap: 19, record: 20, event: 21, activity: 34 } as const;

class Writer {
  readonly buf: Buffer;
  pos = 0;
  constructor(size: number) {
    this.buf = Buffer.alloc(size);
  }
  u8(v: number): void {
    this.buf[this.pos++] = v & 0xff;
  }
  u16(v: number): void {
    this.buf.writeUInt16LE(v, this.pos);
    this.pos += 2;
  }
  u32(v: number): void {
    this.buf.writeUInt32LE(v >>> 0, this.pos);
    this.pos += 4;
  }
  i32(v: number): void {
    this.buf.writeInt32LE(v, this.pos);
    this.pos += 4;
  }
  define(local: number, global: number, fields: Field[]): void {
    this.u8(0x40 | local); // definition message header
    this.u8(0); // reserved
    this.u8(0); // architecture: little endian
    this.u16(global);
    this.u8(fields.length);
    for (const [num, size, type] of fields) {
      this.u8(num);
      this.u8(size);
      this.u8(type);
    }
  }
  /** Writes one data message; values follow the field order of the definition. */
  data(local: number, fields: Field[], values: number[]): void {
    this.u8(local);
    for (let i = 0; i < fields.length; i++) {
      const [, size, type] = fields[i]!;
      const v = values[i]!;
      if (size === 1) this.u8(v);
      else if (size === 2) this.u16(v);
      else if (type === SINT32) this.i32(v);
      else this.u32(v);
    }
  }
}

const fitTime = (unixS: number): number => unixS - FIT_EPOCH_OFFSET_S;

/**
 * Encodes an activity as a FIT 2.0 activity file: file_id, timer events, one
 * record every 10 s, laps, one session and the activity message, with the
 * header CRC and the trailing file CRC.
 */
export function encodeActivityFit(a: ActivitySeed, track: ActivityTrack, totals: ActivityTotals): Buffer {
  const n = a.records;
  const w = new Writer(14 + 600 + n * 32 + totals.laps.length * 70 + 200);
  w.pos = 14;
  const start = fitTime(a.startS);
  const end = fitTime(totals.endS);

  w.define(0, MESG.fileId, FILE_ID);
  w.data(0, FILE_ID, [4, 1, a.product, a.serial, start]); // type=activity, manufacturer=garmin
  w.define(1, MESG.event, EVENT);
  w.data(1, EVENT, [start, 0, 0, 0]); // timer start
  w.define(2, MESG.record, RECORD);
  for (let i = 0; i < n; i++) {
    const speed = track.speedMms[i]!;
    w.data(2, RECORD, [
      start + i * RECORD_INTERVAL_S,
      track.latSemi[i]!,
      track.lonSemi[i]!,
      Math.min(track.altRaw[i]!, 0xfffe),
      track.hr[i]!,
      track.distanceCm[i]!,
      Math.min(speed, 0xfffe),
      speed,
      track.altRaw[i]!,
    ]);
  }
  w.data(1, EVENT, [end, 0, 4, 0]); // timer stop_all
  w.define(3, MESG.lap, LAP);
  totals.laps.forEach((lap, idx) => {
    w.data(3, LAP, [
      fitTime(lap.startS) + Math.floor(lap.elapsedMs / 1000),
      idx,
      9, // event: lap
      1, // event_type: stop
      fitTime(lap.startS),
      track.latSemi[lap.firstRecord]!,
      track.lonSemi[lap.firstRecord]!,
      track.latSemi[lap.lastRecord]!,
      track.lonSemi[lap.lastRecord]!,
      lap.elapsedMs,
      lap.elapsedMs,
      lap.distanceCm,
      lap.calories,
      lap.avgSpeedMms,
      lap.maxSpeedMms,
      lap.avgHr,
      lap.maxHr,
      lap.ascentM,
      lap.descentM,
      a.sport.fitSport,
    ]);
  });
  w.define(4, MESG.session, SESSION);
  w.data(4, SESSION, [
    end,
    0,
    8, // event: session
    1, // event_type: stop
    start,
    totals.startLatSemi,
    totals.startLonSemi,
    a.sport.fitSport,
    a.sport.fitSubSport,
    totals.elapsedMs,
    totals.timerMs,
    totals.distanceCm,
    totals.calories,
    totals.avgSpeedMms,
    totals.maxSpeedMms,
    totals.avgHr,
    totals.maxHr,
    totals.ascentM,
    totals.descentM,
    0,
    totals.laps.length,
  ]);
  w.define(5, MESG.activity, ACTIVITY);
  w.data(5, ACTIVITY, [end, totals.timerMs, 1, 0, 26, 1, end]);

  const dataSize = w.pos - 14;
  const out = w.buf.subarray(0, w.pos + 2);
  out[0] = 14; // header size
  out[1] = 0x20; // protocol version 2.0
  out.writeUInt16LE(2132, 2); // profile version 21.32
  out.writeUInt32LE(dataSize, 4);
  out.write('.FIT', 8, 'ascii');
  out.writeUInt16LE(fitCrc16(out, 0, 12), 12);
  out.writeUInt16LE(fitCrc16(out, 0, w.pos), w.pos);
  return Buffer.from(out);
}
