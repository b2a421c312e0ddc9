import { mulberry32 } from '@fitsync/runtime/mulberry32';

/**
 * Seeded randomness: every generated value derives from the sim seed so that two
 * sims started with the same seed serve the same bytes (no Math.random anywhere).
 */

/** FNV-1a over the string forms of the parts, then a final avalanche. */
export function hashSeed(...parts: Array<string | number | bigint>): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    const s = `${String(part)}\u001f`;
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A small deterministic generator (mulberry32). */
export class Prng {
  private readonly draw: () => number;

  constructor(seed: number) {
    this.draw = mulberry32(seed);
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.draw();
  }

  /** Integer in [min, max] inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** Float in [min, max). */
  range(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** Lower-case hex string of `n` characters. */
  hex(n: number): string {
    let out = '';
    while (out.length < n) out += ((this.next() * 0x100000000) >>> 0).toString(16).padStart(8, '0');
    return out.slice(0, n);
  }

  /** Alphanumeric token of `n` characters. */
  token(n: number): string {
    const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
    let out = '';
    for (let i = 0; i < n; i++) out += abc[Math.floor(this.next() * abc.length)];
    return out;
  }
}
