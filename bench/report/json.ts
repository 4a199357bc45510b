import { writeFileSync } from 'node:fs';

/** Write `value` as JSON (BigInts as strings). */
export function writeJson(path: string, value: unknown): void {
  writeFileSync(path, JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2) + '\n');
}
