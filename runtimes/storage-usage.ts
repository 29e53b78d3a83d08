// Where an engine keeps its images and how full that filesystem is, from podman's info (the CLI's
// `info --format json` and the service's /info answer alike): for the full-disk error's sentence.
export interface StorageUsage {
  /** The image store's directory (podman's graphroot). */
  path: string;
  /** Bytes of the filesystem under it, and of those in use. */
  size: number;
  used: number;
}

export function storageUsageOf(info: unknown): StorageUsage | undefined {
  const store = typeof info === 'object' && info !== null ? (info as { store?: unknown }).store : undefined;
  if (typeof store !== 'object' || store === null) return undefined;
  const s = store as { graphRoot?: unknown; graphRootAllocated?: unknown; graphRootUsed?: unknown };
  if (
    typeof s.graphRoot !== 'string' ||
    typeof s.graphRootAllocated !== 'number' ||
    typeof s.graphRootUsed !== 'number'
  )
    return undefined;
  return { path: s.graphRoot, size: s.graphRootAllocated, used: s.graphRootUsed };
}
