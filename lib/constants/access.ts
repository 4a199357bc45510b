/**
 * Memory-region access flags, with the values of `enum ibv_access_flags`.
 * Combine them with `|`. Local read access is always granted.
 */
export const Access = {
  LOCAL_WRITE: 1,
  REMOTE_WRITE: 2,
  REMOTE_READ: 4,
  REMOTE_ATOMIC: 8,
  MW_BIND: 16,
  ZERO_BASED: 32,
  ON_DEMAND: 64,
  HUGETLB: 128,
  RELAXED_ORDERING: 1 << 20,
} as const;

/** One `Access` flag value. */
export type AccessFlag = (typeof Access)[keyof typeof Access];

/** Every flag this library knows, OR-ed together; other bits are rejected. */
export const ACCESS_KNOWN_MASK = Object.values(Access).reduce((a, b) => a | b, 0);

/** Access that lets a peer do everything: local write, remote read, remote write, remote atomics. */
export const ACCESS_ALL_REMOTE = Access.LOCAL_WRITE | Access.REMOTE_WRITE | Access.REMOTE_READ | Access.REMOTE_ATOMIC;
