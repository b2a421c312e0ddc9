import { Transform, type TransformCallback } from 'node:stream';
import { ArchiveError, formatBytes } from './archive-error.js';
import { crc32 } from './crc32.js';
import { type ByteBudget, RATIO_FLOOR_BYTES } from './limits.js';

export interface MeteredMember {
  /** How messages name the member (already sanitised). */
  readonly shown: string;
  readonly index: number;
  readonly size: number;
  readonly compressedSize: number;
  readonly crc32: number;
}

/**
 * The last stage of every member stream: checks, as the bytes flow, what the central directory
 * only promised — the ratio (the compressed input is bounded by the declared compressed size, so
 * output beyond ratio × that size is a bomb whatever the headers say), the declared size, the
 * tree's byte budget, and at the end the CRC-32. Chunks pass through untouched (no copy).
 */
export class MemberMeter extends Transform {
  private produced = 0;
  private crc = 0;

  constructor(
    private readonly member: MeteredMember,
    private readonly maxRatio: number,
    private readonly budget: ByteBudget,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.produced += chunk.length;
    const refused = this.overrun(chunk.length);
    if (refused) {
      done(refused);
      return;
    }
    this.budget.used += chunk.length;
    this.crc = crc32(chunk, this.crc);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    if (this.produced < this.member.size) {
      done(this.refuse('corrupt', `holds less data than its header declares (${formatBytes(this.produced)} of ${formatBytes(this.member.size)})`));
    } else if (this.crc !== this.member.crc32) {
      done(this.refuse('corrupt', 'is damaged (CRC-32 mismatch)'));
    } else {
      done();
    }
  }

  private overrun(chunkLength: number): ArchiveError | null {
    const m = this.member;
    if (this.produced > RATIO_FLOOR_BYTES && this.produced > this.maxRatio * m.compressedSize) {
      return this.refuse('zip_bomb', `expands more than ${this.maxRatio} times (a zip bomb)`);
    }
    if (this.produced > m.size) {
      return this.refuse('zip_bomb', `holds more data than its header declares (${formatBytes(m.size)}): a zip bomb or a damaged archive`);
    }
    if (this.budget.used + chunkLength > this.budget.max) {
      return this.refuse('zip_bomb', `takes the archive past ${formatBytes(this.budget.max)} unpacked, the limit (a zip bomb)`);
    }
    return null;
  }

  private refuse(problem: ArchiveError['problem'], what: string): ArchiveError {
    return new ArchiveError(problem, `${this.member.shown} ${what}`, { entryIndex: this.member.index });
  }
}

/**
 * The same checks for a member read whole (Archive.read's direct path): the bytes are judged as if
 * they had flowed through a meter, so both paths refuse alike. null when the member is sound.
 */
export function meterWhole(member: MeteredMember, maxRatio: number, budget: ByteBudget, data: Buffer): Error | null {
  const meter = new MemberMeter(member, maxRatio, budget);
  let failure: Error | null = null;
  meter._transform(data, 'latin1', (err) => {
    failure = err ?? null;
  });
  if (!failure) {
    meter._flush((err) => {
      failure = err ?? null;
    });
  }
  return failure;
}
