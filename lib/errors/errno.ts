import { constants } from 'node:os';

const byNumber = new Map<number, string>();
for (const [name, value] of Object.entries(constants.errno)) byNumber.set(value, name);

/** The symbolic name of a positive errno (`12` -> `"ENOMEM"`), or `"E<n>"` if unknown. */
export function errnoName(errno: number): string {
  return byNumber.get(errno) ?? `E${errno}`;
}

/** The errno value for a name (`"EINVAL"` -> 22); throws nothing, returns 0 if unknown. */
export function errnoValue(name: keyof typeof constants.errno): number {
  return constants.errno[name] ?? 0;
}
