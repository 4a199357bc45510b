import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Write `value` as JSON (BigInts as strings), creating the file's folder if it is missing. */
export function writeJson(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2) + '\n');
}
