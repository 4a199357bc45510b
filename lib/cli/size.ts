import { UsageError } from './usage-error.js';

const UNITS: Readonly<Record<string, number>> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/**
 * Parse a byte count: a plain integer, or one with a binary suffix
 * (`64K`, `512M`, `2G`, `1T`; `KiB`/`MB` spellings too).
 * @throws UsageError when `text` is not such a size.
 */
export function parseSize(text: string, option: string): number {
  const m = /^(\d+)\s*([kmgt]?)(?:i?b)?$/i.exec(text.trim());
  const unit = UNITS[(m?.[2] ?? '').toLowerCase()];
  if (!m || unit === undefined) throw new UsageError(`${option} wants a size in bytes such as 67108864 or 64M, got "${text}"`);
  const value = Number.parseInt(m[1] ?? '', 10) * unit;
  if (!Number.isSafeInteger(value)) throw new UsageError(`${option} is too large: "${text}"`);
  return value;
}

/** A byte count for people: `8388608` -> `"8 MiB"`, `1536` -> `"1.5 KiB"`. */
export function formatSize(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i++;
  }
  const text = Number.isInteger(value) ? String(value) : value.toFixed(1).replace(/\.0$/, '');
  return `${text} ${units[i]}`;
}
