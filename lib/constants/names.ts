/**
 * The name lookup of an `as const` object of C values: the function returns
 * the key that holds a value, or `"UNKNOWN(<value>)"`; it never throws.
 */
export function nameLookup(values: Readonly<Record<string, number>>): (value: number) => string {
  const names = new Map<number, string>();
  for (const [name, value] of Object.entries(values)) names.set(value, name);
  return (value) => names.get(value) ?? `UNKNOWN(${value})`;
}
