/**
 * A GUID as sysfs writes it (`0c42:a103:0065:b1e2`) as 16 lower-case hex
 * digits (`"0c42a1030065b1e2"`), or undefined when it is not 64 bits of hex.
 */
export function normalizeGuid(text: string): string | undefined {
  const digits = text.trim().toLowerCase().replace(/:/g, '');
  return /^[0-9a-f]{16}$/.test(digits) ? digits : undefined;
}

/** 16 hex digits back in sysfs style, four groups of four (`"0c42:a103:0065:b1e2"`). */
export function formatGuid(guid: string): string {
  return guid.match(/.{1,4}/g)?.join(':') ?? guid;
}
