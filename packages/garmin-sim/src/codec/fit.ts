import { type ActivitySeed, type ActivityTotals, type ActivityTrack, FIT_EPOCH_OFFSET_S } from '../data/activity-model.js';
import { fitCrc16 } from './fit-crc.js';

// FIT base types (FIT protocol, "Base Types").
const ENUM = 0x00;
const SINT8 = 0x01;
const UINT8 = 0x02;
const UINT16 = 0x84;
const SINT32 = 0x85;
const UINT32 = 0x86;
const UINT32Z = 0x8c;

type Field = [num: number, size: number, baseType: number, only?: 'pos' | 'power'];

// Global message numbers and field numbers from the FIT profile (Profile.xlsx).
const FILE_ID: Field[] = [
  [0, 1, ENUM], // type
  [1, 2, UINT16], // manufacturer
  [2, 2, UINT16], // product
  [3, 4, UINT32Z], // serial_number
  [4, 4, UINT32], // time_created
];
const DEVICE_INFO: Field[] = [
  [253, 4, UINT32], // timestamp
  [0, 1, UINT8], // device_index (0: the creator)
  [2, 2, UINT16], // manufacturer
  [3, 4, UINT32Z], // serial_number
  [4, 2, UINT16], // product
  [5, 2, UINT16], // software_version (scale 100)
  [25, 1, ENUM], // source_type (5: local)
];
const EVENT: Field[] = [
  [253, 4, UINT32], // timestamp
  [0, 1, ENUM], // event (0: timer)
  [1, 1, ENUM], // event_type (0: start, 4: stop_all)
  [4, 1, UINT8], // event_group
];
/** Record fields in write order; `pos` fields only outdoors, `power` only on a bike. */
const RECORD_ALL: Field[] = [
  [253, 4, UINT32], // timestamp
  [0, 4, SINT32, 'pos'], // position_lat (semicircles)
  [1, 4, SINT32, 'pos'], // position_long
  [2, 2, UINT16], // altitude (scale 5, offset 500)
  [3, 1, UINT8], // heart_rate
  [4, 1, UINT8], // cadence (rpm; strides per minute on foot)
  [5, 4, UINT32], // distance (scale 100)
  [6, 2, UINT16], // speed (scale 1000)
  [7, 2, UINT16, 'power'], // power (W)
  [13, 1, SINT8], // temperature (°C)
  [73, 4, UINT32], // enhanced_speed (scale 1000)
  [78, 4, UINT32], // enhanced_altitude (scale 5, offset 500)
];
const LAP: Field[] = [
  [253, 4, UINT32], // timestamp
  [254, 2, UINT16], // message_index
  [0, 1, ENUM], // event: lap
  [1, 1, ENUM], // event_type: stop
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
  [17, 1, UINT8], // avg_cadence
  [18, 1, UINT8], // max_cadence
  [19, 2, UINT16], // avg_power
  [20, 2, UINT16], // max_power
  [21, 2, UINT16], // total_ascent
  [22, 2, UINT16], // total_descent
  [24, 1, ENUM], // lap_trigger (2: distance, 7: session_end)
  [25, 1, ENUM], // sport
];
const SESSION: Field[] = [
  [253, 4, UINT32], // timestamp
  [254, 2, UINT16], // message_index
  [0, 1, ENUM], // event: session
  [1, 1, ENUM], // event_type: stop
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
  [18, 1, UINT8], // avg_cadence
  [19, 1, UINT8], // max_cadence
  [20, 2, UINT16], // avg_power
  [21, 2, UINT16], // max_power
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

const MESG = { fileId: 0, session: 18, lap: 19, record: 20, event: 21, deviceInfo: 23, activity: 34 } as const;
const LOCAL = { fileId: 0, event: 1, record: 2, lap: 3, session: 4, activity: 5, deviceInfo: 6 } as const;
const INVALID_SINT32 = 0x7fffffff;

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
  define(local: number, global: number, fields: readonly Field[]): void {
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
  data(local: number, fields: readonly Field[], values: number[]): void {
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

/** Writes the record messages straight from the typed arrays (no per-record allocation). */
function writeRecords(w: Writer, t: ActivityTrack, start: number, withPos: boolean, withPower: boolean): void {
  const fields = RECORD_ALL.filter((f) => (f[3] === 'pos' ? withPos : f[3] === 'power' ? withPower : true));
  w.define(LOCAL.record, MESG.record, fields);
  for (let i = 0; i < t.n; i++) {
    if (i === t.pauseAfter + 1 && i > 0) w.data(LOCAL.event, EVENT, [start + t.timeS[i]!, 0, 0, 0]); // timer start
    const speed = t.speedMms[i]!;
    const alt = t.altRaw[i]!;
    w.u8(LOCAL.record);
    w.u32(start + t.timeS[i]!);
    if (withPos) {
      w.i32(t.latSemi[i]!);
      w.i32(t.lonSemi[i]!);
    }
    w.u16(Math.min(alt, 0xfffe));
    w.u8(t.hr[i]!);
    w.u8(t.cadence[i]!);
    w.u32(t.distanceCm[i]!);
    w.u16(Math.min(speed, 0xfffe));
    if (withPower) w.u16(t.power[i]!);
    w.u8(t.tempC[i]!);
    w.u32(speed);
    w.u32(alt);
    if (i === t.pauseAfter) w.data(LOCAL.event, EVENT, [start + t.timeS[i]!, 0, 4, 0]); // timer stop_all
  }
}

/**
 * Encodes an activity as a FIT 2.0 activity file: file_id, device_info, timer events (a stop and
 * a start around a pause), records 1–10 s apart, laps, one session and the activity message,
 * with the header CRC and the trailing file CRC. `corrupt_tail` files are cut short after that.
 */
export function encodeActivityFit(a: ActivitySeed, t: ActivityTrack, totals: ActivityTotals): Buffer {
  const withRecords = a.odd !== 'no_records';
  const indoor = a.sport.indoor;
  const w = new Writer(14 + 800 + (withRecords ? t.n * 40 : 0) + totals.laps.length * 80 + 300);
  w.pos = 14;
  const start = fitTime(a.startS);
  const end = fitTime(totals.endS);
  const semi = (arr: Int32Array, i: number) => (indoor ? INVALID_SINT32 : arr[i]!);

  w.define(LOCAL.fileId, MESG.fileId, FILE_ID);
  w.data(LOCAL.fileId, FILE_ID, [4, 1, a.product, a.serial, start]); // type=activity, manufacturer=garmin
  w.define(LOCAL.deviceInfo, MESG.deviceInfo, DEVICE_INFO);
  w.data(LOCAL.deviceInfo, DEVICE_INFO, [start, 0, 1, a.serial, a.product, a.softwareVersion, 5]);
  w.define(LOCAL.event, MESG.event, EVENT);
  w.data(LOCAL.event, EVENT, [start, 0, 0, 0]); // timer start
  if (withRecords) writeRecords(w, t, start, !indoor, a.sport.powerW !== null);
  else if (t.pauseAfter >= 0) {
    w.data(LOCAL.event, EVENT, [start + t.timeS[t.pauseAfter]!, 0, 4, 0]);
    w.data(LOCAL.event, EVENT, [start + t.timeS[t.pauseAfter + 1]!, 0, 0, 0]);
  }
  w.data(LOCAL.event, EVENT, [end, 0, 4, 0]); // timer stop_all
  w.define(LOCAL.lap, MESG.lap, LAP);
  totals.laps.forEach((lap, idx) => {
    const last = idx === totals.laps.length - 1;
    w.data(LOCAL.lap, LAP, [
      fitTime(lap.startS) + Math.floor(lap.elapsedMs / 1000),
      idx,
      9, // event: lap
      1, // event_type: stop
      fitTime(lap.startS),
      semi(t.latSemi, lap.firstRecord),
      semi(t.lonSemi, lap.firstRecord),
      semi(t.latSemi, lap.lastRecord),
      semi(t.lonSemi, lap.lastRecord),
      lap.elapsedMs,
      lap.timerMs,
      lap.distanceCm,
      lap.calories,
      lap.avgSpeedMms,
      lap.maxSpeedMms,
      lap.avgHr,
      lap.maxHr,
      lap.avgCadence,
      lap.maxCadence,
      lap.avgPower,
      lap.maxPower,
      lap.ascentM,
      lap.descentM,
      last ? 7 : 2,
      a.sport.fitSport,
    ]);
  });
  w.define(LOCAL.session, MESG.session, SESSION);
  w.data(LOCAL.session, SESSION, [
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
    totals.avgCadence,
    totals.maxCadence,
    totals.avgPower,
    totals.maxPower,
    totals.ascentM,
    totals.descentM,
    0,
    totals.laps.length,
  ]);
  w.define(LOCAL.activity, MESG.activity, ACTIVITY);
  w.data(LOCAL.activity, ACTIVITY, [end, totals.timerMs, 1, 0, 26, 1, end]);

  const dataSize = w.pos - 14;
  const out = w.buf.subarray(0, w.pos + 2);
  out[0] = 14; // header size
  out[1] = 0x20; // protocol version 2.0
  out.writeUInt16LE(2132, 2); // profile version 21.32
  out.writeUInt32LE(dataSize, 4);
  out.write('.FIT', 8, 'ascii');
  out.writeUInt16LE(fitCrc16(out, 0, 12), 12);
  out.writeUInt16LE(fitCrc16(out, 0, w.pos), w.pos);
  // A cut upload: the header still announces the whole file; the last 40 % and the CRC are gone.
  if (a.odd === 'corrupt_tail') return Buffer.from(out.subarray(0, 14 + Math.floor(dataSize * 0.6)));
  return Buffer.from(out);
}

const MONITORING: Field[] = [
  [253, 4, UINT32], // timestamp
  [5, 1, ENUM], // activity_type (0: generic, 6: walking)
  [3, 4, UINT32], // cycles (steps / 2 while walking)
  [27, 1, UINT8], // heart_rate
];
const MONITORING_MESG = 55;
const LOCAL_MONITORING = 7;

/**
 * A device's monitoring file (file_id.type 32, monitoring_b): the all-day log a watch uploads beside
 * its activities. No session, so importers must not take it for an activity (garmin-export.md §3).
 * `samples` is a list of [unix seconds, steps, heart rate]; bytes depend only on the arguments.
 */
export function encodeMonitoringFit(serial: number, product: number, createdS: number, samples: ReadonlyArray<[number, number, number]>): Buffer {
  const w = new Writer(14 + 200 + samples.length * 12 + 2);
  w.pos = 14;
  w.define(LOCAL.fileId, MESG.fileId, FILE_ID);
  w.data(LOCAL.fileId, FILE_ID, [32, 1, product, serial, fitTime(createdS)]);
  w.define(LOCAL.deviceInfo, MESG.deviceInfo, DEVICE_INFO);
  w.data(LOCAL.deviceInfo, DEVICE_INFO, [fitTime(createdS), 0, 1, serial, product, 1912, 5]);
  w.define(LOCAL_MONITORING, MONITORING_MESG, MONITORING);
  for (const [t, steps, hr] of samples) w.data(LOCAL_MONITORING, MONITORING, [fitTime(t), 6, Math.floor(steps / 2), hr]);
  const dataSize = w.pos - 14;
  const out = w.buf.subarray(0, w.pos + 2);
  out[0] = 14;
  out[1] = 0x20;
  out.writeUInt16LE(2132, 2);
  out.writeUInt32LE(dataSize, 4);
  out.write('.FIT', 8, 'ascii');
  out.writeUInt16LE(fitCrc16(out, 0, 12), 12);
  out.writeUInt16LE(fitCrc16(out, 0, w.pos), w.pos);
  return Buffer.from(out);
}
