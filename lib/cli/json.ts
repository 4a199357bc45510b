/**
 * `value` as indented JSON with a trailing newline; bigints become decimal
 * strings (JSON has no 64-bit integers).
 */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`;
}
