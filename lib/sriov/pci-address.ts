/**
 * PCI addresses as sysfs names them: `DDDD:BB:DD.F` (domain, bus, device,
 * function) in lower-case hex. Domains can be wider than four digits (VMD).
 */

const FULL = /^[0-9a-f]{4,8}:[0-9a-f]{2}:[0-1][0-9a-f]\.[0-7]$/;
const SHORT = /^[0-9a-f]{2}:[0-1][0-9a-f]\.[0-7]$/;

/** Whether `text` is a full PCI address such as `"0000:3b:00.2"` (lower-case hex). */
export function isPciAddress(text: string): boolean {
  return FULL.test(text);
}

/**
 * The full lower-case form of a PCI address: `"3B:00.0"` -> `"0000:3b:00.0"`.
 * Returns undefined when `text` is not a PCI address.
 */
export function normalizePciAddress(text: string): string | undefined {
  const lower = text.trim().toLowerCase();
  if (FULL.test(lower)) return lower;
  if (SHORT.test(lower)) return `0000:${lower}`;
  return undefined;
}

/** Order PCI addresses by domain, bus, device, function (fixed-width hex, so text order after padding the domain). */
export function comparePciAddresses(a: string, b: string): number {
  const pa = a.padStart(13, '0');
  const pb = b.padStart(13, '0');
  return pa < pb ? -1 : pa > pb ? 1 : 0;
}
