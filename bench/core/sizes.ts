/** Message sizes of a full run: 2 B, then powers of 4 from 4 B to 4 MiB. */
export const FULL_SIZES: readonly number[] = [2, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304];

/** Sizes of a `--quick` run. */
export const QUICK_SIZES: readonly number[] = [2, 64, 4096, 65536, 1048576];

/** The largest latency test size unless `--sizes` names bigger ones. */
export const LATENCY_MAX_DEFAULT = 1048576;

/** `65536` -> `"64K"`, `1048576` -> `"1M"`, `2` -> `"2"`. */
export function sizeLabel(bytes: number): string {
  if (bytes >= 1048576 && bytes % 1048576 === 0) return `${bytes / 1048576}M`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024}K`;
  return String(bytes);
}

/** Parse `2,64,4K,1M` into byte counts. @throws Error for a malformed entry. */
export function parseSizes(text: string): number[] {
  const out: number[] = [];
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(\d+)([kKmM]?)[bB]?$/.exec(part);
    if (!m) throw new Error(`--sizes: not a size: "${part}" (use e.g. 2,64,4K,1M)`);
    const unit = m[2]!.toLowerCase();
    const n = Number(m[1]) * (unit === 'k' ? 1024 : unit === 'm' ? 1048576 : 1);
    if (!Number.isSafeInteger(n) || n < 1 || n > 64 * 1048576) throw new Error(`--sizes: ${part} is out of range (1 B .. 64 MiB)`);
    out.push(n);
  }
  if (out.length === 0) throw new Error('--sizes: no sizes given');
  return [...new Set(out)].sort((a, b) => a - b);
}

/**
 * Iterations for one size: `base` for small messages, fewer for large ones
 * so that a test moves at most `byteBudget` bytes, never fewer than `floor`.
 */
export function scaledIterations(base: number, size: number, byteBudget: number, floor: number): number {
  return Math.max(Math.min(base, floor), Math.min(base, Math.floor(byteBudget / size)));
}
