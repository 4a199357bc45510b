/**
 * Small, never-throwing readers for sysfs attributes and links. sysfs files
 * can be missing, can fail to read (EINVAL, EIO, a directory where a file is
 * expected) and links can dangle; each reader turns that into `undefined` or
 * an empty list, and reports read failures other than "missing" to `warn`
 * when one is given.
 */
import { readFileSync, readdirSync, readlinkSync, realpathSync, statSync, lstatSync } from 'node:fs';
import { basename } from 'node:path';

/** Receives a description of a problem met while reading. */
export type WarningSink = (message: string) => void;

function errCode(err: unknown): string {
  if (err !== null && typeof err === 'object' && 'code' in err && typeof err.code === 'string') return err.code;
  return err instanceof Error ? err.message : String(err);
}

/**
 * The trimmed contents of a sysfs attribute, or undefined when it is
 * missing or unreadable (an unreadable one is reported to `warn`).
 */
export function readAttr(path: string, warn?: WarningSink): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (err) {
    const code = errCode(err);
    if (code !== 'ENOENT' && warn) warn(`cannot read ${path} (${code})`);
    return undefined;
  }
}

/**
 * A sysfs attribute parsed as an integer (decimal, or hex with `0x`), or
 * undefined when missing, unreadable or not an integer (the last two are
 * reported to `warn`).
 */
export function readIntAttr(path: string, warn?: WarningSink): number | undefined {
  const text = readAttr(path, warn);
  if (text === undefined) return undefined;
  const value = parseIntStrict(text);
  if (value === undefined && warn) warn(`${path} holds "${text.slice(0, 40)}", not an integer`);
  return value;
}

/** Parse `"12"`, `"-1"` or `"0x1f"`; undefined for anything else. */
export function parseIntStrict(text: string): number | undefined {
  if (/^-?\d+$/.test(text)) return Number.parseInt(text, 10);
  if (/^0x[0-9a-f]+$/i.test(text)) return Number.parseInt(text.slice(2), 16);
  return undefined;
}

/** The basename of a symlink's target (it may dangle), or undefined when `path` is not a link. */
export function linkBasename(path: string): string | undefined {
  try {
    return basename(readlinkSync(path));
  } catch {
    return undefined;
  }
}

/** Whether `path` is a symlink (dangling or not). */
export function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** The canonical path with every link resolved, or undefined when it does not exist or a link dangles. */
export function resolvePath(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

/** Whether `path` exists and is a directory (following links). */
export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Whether `path` exists, whatever it is (following links). */
export function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * The entry names of a directory in natural order (`virtfn2` before
 * `virtfn10`), or an empty list when it is missing or unreadable.
 */
export function listDir(path: string): string[] {
  try {
    return readdirSync(path).sort(naturalCompare);
  } catch {
    return [];
  }
}

const collator = new Intl.Collator('en', { numeric: true });

/** Compare names with digit runs taken as numbers. */
export function naturalCompare(a: string, b: string): number {
  return collator.compare(a, b);
}
