export interface ArchiveLimits {
  /** Members per archive level. */
  maxEntries: number;
  /** Uncompressed bytes read across the whole tree, all levels. */
  maxTotalBytes: number;
  /** Uncompressed/compressed of one member, declared and actual, for members over {@link RATIO_FLOOR_BYTES}. */
  maxRatio: number;
  /** The outer archive is depth 0; an archive at depth > maxDepth is refused. */
  maxDepth: number;
}

export const DEFAULT_ARCHIVE_LIMITS: Readonly<ArchiveLimits> = Object.freeze({
  maxEntries: 200_000,
  maxTotalBytes: 100 * 2 ** 30,
  maxRatio: 250,
  maxDepth: 3,
});

/** Small members may compress very well (a JSON file of zeros) without being a bomb. */
export const RATIO_FLOOR_BYTES = 1024 * 1024;

/** The uncompressed bytes one archive tree may still produce; nested archives share their parent's. */
export interface ByteBudget {
  used: number;
  readonly max: number;
}

export function resolveLimits(partial: Partial<ArchiveLimits> | undefined): ArchiveLimits {
  const limits = { ...DEFAULT_ARCHIVE_LIMITS, ...partial };
  for (const [key, value] of Object.entries(limits)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new RangeError(`archive limit ${key} must be a non-negative number`);
  }
  return limits;
}
