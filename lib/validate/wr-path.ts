/**
 * The names errors give to parts of a posted request (`wr[3].sgList[1].length`).
 * Built only when something is wrong: on the posting path a request that
 * passes builds no string.
 */

/** `wr[i]`, or `wr[i].key`. */
export function wrPath(i: number, key?: string): string {
  return key === undefined ? `wr[${i}]` : `wr[${i}].${key}`;
}

/** `wr[i].sgList[j].key`. */
export function sgePath(i: number, j: number, key: string): string {
  return `wr[${i}].sgList[${j}].${key}`;
}
